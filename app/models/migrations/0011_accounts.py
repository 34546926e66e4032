from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_sla')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountAudit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='account_audit', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='account_changes_made', on_delete=OnDelete.SET_NULL)),
                ('field', fields.CharField(max_length=40)),
                ('old_value', fields.CharField(null=True, max_length=300)),
                ('new_value', fields.CharField(null=True, max_length=300)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_audit', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='CannedResponse',
            name='owner',
            field=fields.ForeignKeyField('models.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='canned_responses', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='User',
            name='email_verified',
            field=fields.BooleanField(default=True, db_default=True),
        ),
    ]
