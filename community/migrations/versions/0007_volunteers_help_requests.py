"""roles a login holds beside its first (user_roles), a volunteer's own household (users.household_id),
help requests (志愿帮扶) and volunteer points per person (issue 16)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLE_NAMES = ("family", "staff", "volunteer", "teacher", "young")


def upgrade() -> None:
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.CheckConstraint(
            "role IN (" + ", ".join(f"'{name}'" for name in ROLE_NAMES) + ")", name="ck_user_role_name"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role"),
    )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("household_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_household_id"), ["household_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_users_household_id_households", "households", ["household_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "help_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("wanted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("origin", sa.String(length=24), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("volunteer_id", sa.String(length=36), nullable=True),
        sa.Column("visit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("thanked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=36), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["volunteer_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["confirmed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        for column in (
            "community_id",
            "household_id",
            "status",
            "created_by",
            "volunteer_id",
            "confirmed_by",
        ):
            batch_op.create_index(batch_op.f(f"ix_help_requests_{column}"), [column], unique=False)

    op.create_table(
        "volunteer_points",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("confirmed_by", sa.String(length=36), nullable=True),
        sa.Column("help_request_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["confirmed_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["help_request_id"], ["help_requests.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("help_request_id", name="uq_volunteer_points_help"),
    )
    with op.batch_alter_table("volunteer_points", schema=None) as batch_op:
        for column in ("community_id", "user_id", "confirmed_by"):
            batch_op.create_index(batch_op.f(f"ix_volunteer_points_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("volunteer_points", schema=None) as batch_op:
        for column in ("community_id", "user_id", "confirmed_by"):
            batch_op.drop_index(batch_op.f(f"ix_volunteer_points_{column}"))
    op.drop_table("volunteer_points")

    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        for column in (
            "community_id",
            "household_id",
            "status",
            "created_by",
            "volunteer_id",
            "confirmed_by",
        ):
            batch_op.drop_index(batch_op.f(f"ix_help_requests_{column}"))
    op.drop_table("help_requests")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("fk_users_household_id_households", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_household_id"))
        batch_op.drop_column("household_id")

    op.drop_table("user_roles")
