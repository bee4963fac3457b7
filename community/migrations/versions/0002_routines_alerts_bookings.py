"""household routines; emergency cancel and device times; who changed a booking (issue 12)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 11:35:50
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_routines",
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("wake", sa.String(length=5), nullable=False),
        sa.Column("breakfast", sa.String(length=5), nullable=False),
        sa.Column("lunch", sa.String(length=5), nullable=False),
        sa.Column("dinner", sa.String(length=5), nullable=False),
        sa.Column("bed", sa.String(length=5), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("household_id"),
    )
    with op.batch_alter_table("household_routines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_routines_updated_by"), ["updated_by"], unique=False)

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_by", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_bookings_changed_by"), ["changed_by"], unique=False)
        batch_op.create_foreign_key(
            "fk_bookings_changed_by_users", "users", ["changed_by"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("emergency_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_raised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("device_cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_note", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("emergency_alerts", schema=None) as batch_op:
        batch_op.drop_column("cancel_note")
        batch_op.drop_column("device_cancelled_at")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("device_raised_at")

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint("fk_bookings_changed_by_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_bookings_changed_by"))
        batch_op.drop_column("changed_by")

    with op.batch_alter_table("household_routines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_routines_updated_by"))

    op.drop_table("household_routines")
