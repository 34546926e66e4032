from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from app.models.enums import InboundStatus, MessageSource, OutboundStatus, Role, TicketPriority, TicketStatus, TokenKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('email', fields.CharField(null=True, unique=True, max_length=254)),
                ('auto_close_days', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'departments', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CannedResponse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='canned_responses', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'canned_responses', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Setting',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'settings', 'app': 'models', 'pk_attr': 'key'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TicketSequence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('next_number', fields.IntField()),
            ],
            options={'table': 'ticket_sequence', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=200)),
                ('role', fields.CharEnumField(description='CLIENT: client\nSTAFF: staff\nADMIN: admin', enum_type=Role, max_length=10)),
                ('password_hash', fields.CharField(null=True, max_length=200)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('departments', fields.ManyToManyField('models.Department', unique=True, db_constraint=True, through='department_staff', forward_key='department_id', backward_key='users_id', related_name='staff', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'users', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuthToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='SESSION: session\nAPI: api', enum_type=TokenKind, max_length=10)),
                ('name', fields.CharField(default='', max_length=100)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auth_tokens', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ticket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.IntField(unique=True)),
                ('subject', fields.CharField(max_length=255)),
                ('status', fields.CharEnumField(default=TicketStatus.OPEN, description='OPEN: open\nANSWERED: answered\nCUSTOMER_REPLY: customer_reply\nIN_PROGRESS: in_progress\nON_HOLD: on_hold\nCLOSED: closed', enum_type=TicketStatus, max_length=20)),
                ('priority', fields.IntEnumField(default=TicketPriority.MEDIUM, description='LOW: 1\nMEDIUM: 2\nHIGH: 3\nURGENT: 4', enum_type=TicketPriority, generated=False)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT)),
                ('client', fields.ForeignKeyField('models.User', source_field='client_id', db_constraint=True, to_field='id', related_name='client_tickets', on_delete=OnDelete.RESTRICT)),
                ('assignee', fields.ForeignKeyField('models.User', source_field='assignee_id', null=True, db_constraint=True, to_field='id', related_name='assigned_tickets', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_activity_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tickets', 'app': 'models', 'indexes': [Index(fields=['last_activity_at', 'number']), Index(fields=['department_id', 'last_activity_at', 'number']), Index(fields=['client_id', 'last_activity_at', 'number']), Index(fields=['status', 'last_activity_at']), Index(fields=['assignee_id', 'last_activity_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='audit', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('field', fields.CharField(max_length=30)),
                ('old_value', fields.CharField(null=True, max_length=255)),
                ('new_value', fields.CharField(null=True, max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_entries', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.User', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.SET_NULL)),
                ('body', fields.TextField(unique=False)),
                ('internal', fields.BooleanField(default=False)),
                ('source', fields.CharEnumField(default=MessageSource.WEB, description='WEB: web\nEMAIL: email\nAPI: api\nSYSTEM: system', enum_type=MessageSource, max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'messages', 'app': 'models', 'indexes': [Index(fields=['ticket_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Attachment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('public_id', fields.CharField(unique=True, max_length=40)),
                ('message', fields.ForeignKeyField('models.Message', source_field='message_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('filename', fields.CharField(max_length=255)),
                ('content_type', fields.CharField(max_length=100)),
                ('size', fields.BigIntField()),
                ('sha256', fields.CharField(db_index=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attachments', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InboundMail',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('dedupe_key', fields.CharField(unique=True, max_length=300)),
                ('transport', fields.CharField(max_length=10)),
                ('raw_bytes', fields.BinaryField()),
                ('size', fields.BigIntField()),
                ('sender', fields.CharField(null=True, max_length=254)),
                ('subject', fields.CharField(null=True, max_length=300)),
                ('status', fields.CharEnumField(default=InboundStatus.RECEIVED, description='RECEIVED: received\nPROCESSED: processed\nIGNORED: ignored\nREFUSED: refused\nFAILED: failed', enum_type=InboundStatus, max_length=10)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='inbound_mail', on_delete=OnDelete.SET_NULL)),
                ('message', fields.ForeignKeyField('models.Message', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='inbound_mail', on_delete=OnDelete.SET_NULL)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
            ],
            options={'table': 'inbound_mail', 'app': 'models', 'indexes': [Index(fields=['status', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboundMail',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('dedupe_key', fields.CharField(unique=True, max_length=200)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', null=True, db_constraint=True, to_field='id', related_name='outbound_mail', on_delete=OnDelete.SET_NULL)),
                ('recipient', fields.CharField(max_length=254)),
                ('subject', fields.CharField(max_length=300)),
                ('message_id', fields.CharField(max_length=300)),
                ('status', fields.CharEnumField(default=OutboundStatus.PENDING, description='PENDING: pending\nSENT: sent\nRETRYING: retrying\nFAILED: failed', enum_type=OutboundStatus, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outbound_mail', 'app': 'models', 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
