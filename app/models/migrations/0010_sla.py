from tortoise import migrations
from tortoise.migrations import operations as ops
from app.models.enums import TicketPriority
from app.models.sla import SlaTarget
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_views')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BusinessCalendar',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.OneToOneField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='business_calendar', on_delete=OnDelete.CASCADE)),
                ('timezone', fields.CharField(max_length=64)),
                ('weekly', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('holidays', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'business_calendars', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EscalationRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='escalation_rules', on_delete=OnDelete.CASCADE)),
                ('target', fields.CharEnumField(description='FIRST_RESPONSE: first_response\nNEXT_RESPONSE: next_response\nRESOLUTION: resolution', enum_type=SlaTarget, max_length=20)),
                ('at_percent', fields.IntField()),
                ('notify_assignee', fields.BooleanField(default=False)),
                ('notify_department', fields.BooleanField(default=False)),
                ('notify_admins', fields.BooleanField(default=False)),
                ('raise_priority', fields.BooleanField(default=False)),
                ('reassign_to', fields.ForeignKeyField('models.User', source_field='reassign_to_id', null=True, db_constraint=True, to_field='id', related_name='escalation_rules', on_delete=OnDelete.SET_NULL)),
                ('unassign', fields.BooleanField(default=False)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'escalation_rules', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EscalationFiring',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rule', fields.ForeignKeyField('models.EscalationRule', source_field='rule_id', db_constraint=True, to_field='id', related_name='firings', on_delete=OnDelete.CASCADE)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='escalations', on_delete=OnDelete.CASCADE)),
                ('clock', fields.CharField(max_length=40)),
                ('fired_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'escalation_firings', 'app': 'models', 'unique_together': (('rule_id', 'ticket_id', 'clock'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SlaPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='sla_policies', on_delete=OnDelete.CASCADE)),
                ('priority', fields.IntEnumField(description='LOW: 1\nMEDIUM: 2\nHIGH: 3\nURGENT: 4', enum_type=TicketPriority, generated=False)),
                ('first_response_minutes', fields.IntField(null=True)),
                ('first_response_business', fields.BooleanField(default=True)),
                ('next_response_minutes', fields.IntField(null=True)),
                ('next_response_business', fields.BooleanField(default=True)),
                ('resolution_minutes', fields.IntField(null=True)),
                ('resolution_business', fields.BooleanField(default=True)),
                ('at_risk_percent', fields.IntField(default=75)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sla_policies', 'app': 'models', 'unique_together': (('department_id', 'priority'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Ticket',
            name='first_response_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='first_response_due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='next_response_due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='next_response_started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='resolution_due_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='resolution_started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='resolution_used_seconds',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Ticket',
            name='resolved_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_active',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_breached_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_due_key',
            field=fields.BigIntField(default=9007199254740992, db_default=9007199254740992),
        ),
        ops.AddField(
            model_name='Ticket',
            name='sla_warn_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['sla_due_key', 'number']),
        ),
    ]
