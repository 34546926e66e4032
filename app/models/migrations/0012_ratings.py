from tortoise import migrations
from tortoise.migrations import operations as ops
from app.models.enums import RatingScore, RatingSource
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0011_accounts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TicketRating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.CASCADE)),
                ('client', fields.ForeignKeyField('models.User', source_field='client_id', null=True, db_constraint=True, to_field='id', related_name='ratings', on_delete=OnDelete.SET_NULL)),
                ('score', fields.CharEnumField(description='GOOD: good\nBAD: bad', enum_type=RatingScore, max_length=10)),
                ('comment', fields.TextField(null=True, unique=False)),
                ('source', fields.CharEnumField(description='PORTAL: portal\nLINK: link', enum_type=RatingSource, max_length=10)),
                ('close_entry_id', fields.IntField()),
                ('rated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('current', fields.BooleanField(default=True)),
            ],
            options={'table': 'ticket_ratings', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'current']), Index(fields=['current', 'rated_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
