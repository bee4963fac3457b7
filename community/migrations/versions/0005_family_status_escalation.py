"""reminders.important; care_alerts: who handled an escalation (missed reminder, silent speaker; issue 15)

Escalations themselves are computed on read from reminder events and device last_seen_at
(community.domain.escalation); a care_alerts row records that a family member or staff took one
in hand (我来处理), keyed by (household_id, kind, subject_key).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("important", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "care_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject_key", sa.String(length=120), nullable=False),
        sa.Column("reminder_id", sa.String(length=36), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(length=36), nullable=True),
        sa.CheckConstraint(
            "kind IN ('important_missed', 'missed_two_days', 'speaker_silent')", name="ck_care_alert_kind"
        ),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reminder_id"], ["reminders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("household_id", "kind", "subject_key", name="uq_care_alert_subject"),
    )
    with op.batch_alter_table("care_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_alerts_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_alerts_reminder_id"), ["reminder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_alerts_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_alerts_handled_by"), ["handled_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("care_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_alerts_handled_by"))
        batch_op.drop_index(batch_op.f("ix_care_alerts_device_id"))
        batch_op.drop_index(batch_op.f("ix_care_alerts_reminder_id"))
        batch_op.drop_index(batch_op.f("ix_care_alerts_household_id"))
    op.drop_table("care_alerts")

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("important")
