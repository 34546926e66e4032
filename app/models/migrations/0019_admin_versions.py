from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0018_user_language')]

    initial = False

    operations = [
        ops.AddField(model_name=name, name='version', field=fields.IntField(default=1, db_default=1))
        for name in (
            'Department',
            'User',
            'Setting',
            'CannedResponse',
            'Tag',
            'BusinessCalendar',
            'SlaPolicy',
            'EscalationRule',
        )
    ]
