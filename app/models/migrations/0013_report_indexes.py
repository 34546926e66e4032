from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    # Reports read tickets by when they were opened, answered and closed, and status changes
    # by when they happened (app/services/reports.py).
    dependencies = [('models', '0012_ratings')]

    initial = False

    operations = [
        ops.AddIndex(model_name='Ticket', index=Index(fields=['created_at'])),
        ops.AddIndex(model_name='Ticket', index=Index(fields=['department_id', 'created_at'])),
        ops.AddIndex(model_name='Ticket', index=Index(fields=['closed_at'])),
        ops.AddIndex(model_name='Ticket', index=Index(fields=['first_response_at'])),
        ops.AddIndex(model_name='AuditEntry', index=Index(fields=['field', 'created_at'])),
    ]
