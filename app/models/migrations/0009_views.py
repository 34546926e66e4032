from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_merge')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SavedView',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('models.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='saved_views', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=60)),
                ('name_key', fields.CharField(max_length=240)),
                ('filters', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('sort_field', fields.CharField(max_length=20)),
                ('sort_descending', fields.BooleanField(default=True)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='shared_views', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'saved_views', 'app': 'models', 'unique_together': (('owner_id', 'name_key'),), 'indexes': [Index(fields=['department_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
