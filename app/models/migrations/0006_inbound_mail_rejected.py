from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_search')]

    initial = False

    operations = [
        ops.AddField(
            model_name='InboundMail',
            name='rejected',
            field=fields.BooleanField(default=False),
        ),
    ]
