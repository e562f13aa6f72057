"""approval applications and the service catalogue

Revision ID: 0002
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('approval_services',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=True),
    sa.Column('legal_limit_days', sa.Integer(), nullable=False),
    sa.Column('committed_limit_days', sa.Integer(), nullable=False),
    sa.Column('on_the_spot', sa.Boolean(), nullable=False),
    sa.Column('required_materials', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('fee', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('approval_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_services_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_approval_services_department_id'), ['department_id'], unique=False)

    op.create_table('approvals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('due_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('clock_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('clock_unit', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('clock_started_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('clock_amount', sa.Integer(), nullable=True),
    sa.Column('paused_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_days', sa.Integer(), nullable=False),
    sa.Column('deadline_basis', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('is_overdue', sa.Boolean(), nullable=False),
    sa.Column('overdue_for', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('service_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('green_channel', sa.Boolean(), nullable=False),
    sa.Column('applicant_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('applicant_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('applicant_id_number', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('applicant_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('applicant_contact', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('materials', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('required_materials', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('on_the_spot', sa.Boolean(), nullable=False),
    sa.Column('legal_limit_days', sa.Integer(), nullable=False),
    sa.Column('decision_limit_days', sa.Integer(), nullable=False),
    sa.Column('received_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acceptance_due_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deemed_accepted', sa.Boolean(), nullable=False),
    sa.Column('missing_materials', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('supplement_count', sa.Integer(), nullable=False),
    sa.Column('not_accepted_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('suspension_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('extension_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('recommendation', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('recommendation_comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('decision_due_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('conditions', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=True),
    sa.Column('decided_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_on_the_spot', sa.Boolean(), nullable=False),
    sa.Column('decided_late', sa.Boolean(), nullable=False),
    sa.Column('decision_working_days', sa.Integer(), nullable=True),
    sa.Column('licence_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('delivery_method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('delivered_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.ForeignKeyConstraint(['service_code'], ['approval_services.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('licence_number'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index('ix_approvals_channel_created', ['channel', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_approvals_department_created', ['department_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_approvals_service_created', ['service_code', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_status'), ['status'], unique=False)
        batch_op.create_index('ix_approvals_status_created', ['status', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_approvals_status_created')
        batch_op.drop_index(batch_op.f('ix_approvals_status'))
        batch_op.drop_index('ix_approvals_service_created')
        batch_op.drop_index(batch_op.f('ix_approvals_due_at'))
        batch_op.drop_index(batch_op.f('ix_approvals_department_id'))
        batch_op.drop_index('ix_approvals_department_created')
        batch_op.drop_index(batch_op.f('ix_approvals_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_approvals_created_at'))
        batch_op.drop_index('ix_approvals_channel_created')

    op.drop_table('approvals')
    with op.batch_alter_table('approval_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_services_department_id'))
        batch_op.drop_index(batch_op.f('ix_approval_services_created_at'))

    op.drop_table('approval_services')
