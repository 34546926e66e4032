from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_inbound_mail_held')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEntry',
            name='ticket_version',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Message',
            name='ticket_version',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='version',
            field=fields.IntField(default=1, db_default=1),
        ),
    ]
