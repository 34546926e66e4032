from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Messages keep their Markdown rendered (app/services/markdown.py). Rows written before stay
# null and are rendered once, when first read, and stored then (app/services/messages.py).


class Migration(migrations.Migration):
    dependencies = [('models', '0019_admin_versions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Message',
            name='body_html',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Message',
            name='signature_html',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
