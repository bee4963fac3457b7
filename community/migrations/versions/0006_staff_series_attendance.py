"""activity series and skipped days; attendance; points per activity; household soft delete;
announcement deliveries reported by the speakers (issue 15, staff)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_series",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=60), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activity_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_series_community_id"), ["community_id"], unique=False)

    op.create_table(
        "series_skips",
        sa.Column("series_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["activity_series.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("series_id", "day"),
    )

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("series_day", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_activities_series_id"), ["series_id"], unique=False)
        batch_op.create_index("uq_activity_series_day", ["series_id", "series_day"], unique=True)
        batch_op.create_foreign_key(
            "fk_activities_series_id_activity_series",
            "activity_series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "attendance",
        sa.Column("activity_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["marked_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("activity_id", "household_id"),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_marked_by"), ["marked_by"], unique=False)

    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activity_id", sa.String(length=36), nullable=True))
        batch_op.create_index("uq_points_activity_household", ["activity_id", "household_id"], unique=True)
        batch_op.create_foreign_key(
            "fk_points_ledger_activity_id_activities",
            "activities",
            ["activity_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_by", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_households_deleted_by"), ["deleted_by"], unique=False)
        batch_op.create_foreign_key(
            "fk_households_deleted_by_users", "users", ["deleted_by"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "announcement_deliveries",
        sa.Column("announcement_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("played_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("announcement_id", "device_id"),
    )
    with op.batch_alter_table("announcement_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_deliveries_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_announcement_deliveries_household_id"), ["household_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("announcement_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_deliveries_household_id"))
        batch_op.drop_index(batch_op.f("ix_announcement_deliveries_device_id"))
    op.drop_table("announcement_deliveries")

    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_constraint("fk_households_deleted_by_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_households_deleted_by"))
        batch_op.drop_column("deleted_by")
        batch_op.drop_column("deleted_at")

    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.drop_constraint("fk_points_ledger_activity_id_activities", type_="foreignkey")
        batch_op.drop_index("uq_points_activity_household")
        batch_op.drop_column("activity_id")

    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_marked_by"))
        batch_op.drop_index(batch_op.f("ix_attendance_household_id"))
    op.drop_table("attendance")

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_constraint("fk_activities_series_id_activity_series", type_="foreignkey")
        batch_op.drop_index("uq_activity_series_day")
        batch_op.drop_index(batch_op.f("ix_activities_series_id"))
        batch_op.drop_column("series_day")
        batch_op.drop_column("series_id")

    op.drop_table("series_skips")
    with op.batch_alter_table("activity_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_series_community_id"))
    op.drop_table("activity_series")
