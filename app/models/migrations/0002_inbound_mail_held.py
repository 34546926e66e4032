from tortoise import migrations
from tortoise.migrations import operations as ops
from app.models.enums import InboundStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='InboundMail',
            name='status',
            field=fields.CharEnumField(default=InboundStatus.RECEIVED, description='RECEIVED: received\nPROCESSED: processed\nIGNORED: ignored\nREFUSED: refused\nFAILED: failed\nHELD: held', enum_type=InboundStatus, max_length=10),
        ),
        ops.AddField(
            model_name='InboundMail',
            name='accepted_by',
            field=fields.ForeignKeyField('models.User', source_field='accepted_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
    ]
