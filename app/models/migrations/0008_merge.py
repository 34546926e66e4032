from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_tags')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Ticket',
            name='merged_into',
            field=fields.ForeignKeyField('models.Ticket', source_field='merged_into_id', null=True, db_constraint=True, to_field='id', related_name='merged_sources', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(model_name='Message', index=Index(fields=['ticket_id', 'created_at', 'id'])),
    ]
