"""voice polls (活动调查) and their answers per household; skill offers (技能教学) and the elder who
teaches an activity (issue 16)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("question", sa.String(length=80), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("target", sa.String(length=24), nullable=False),
        sa.Column("group_name", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_polls_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_polls_created_by"), ["created_by"], unique=False)

    op.create_table(
        "poll_answers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("poll_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("heard", sa.String(length=200), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "household_id", name="uq_poll_answer_household"),
    )
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_answers_poll_id"), ["poll_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_answers_household_id"), ["household_id"], unique=False)

    op.create_table(
        "skill_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("skill", sa.String(length=60), nullable=False),
        sa.Column("said", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("activity_id", sa.String(length=36), nullable=True),
        sa.Column("handled_by", sa.String(length=36), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["handled_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("skill_offers", schema=None) as batch_op:
        for column in ("community_id", "household_id", "status", "activity_id", "handled_by"):
            batch_op.create_index(batch_op.f(f"ix_skill_offers_{column}"), [column], unique=False)

    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("teacher_household_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_activities_teacher_household_id"), ["teacher_household_id"],
                              unique=False)
        batch_op.create_foreign_key("fk_activities_teacher_household_id_households", "households",
                                    ["teacher_household_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_constraint("fk_activities_teacher_household_id_households", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_activities_teacher_household_id"))
        batch_op.drop_column("teacher_household_id")
    with op.batch_alter_table("skill_offers", schema=None) as batch_op:
        for column in ("community_id", "household_id", "status", "activity_id", "handled_by"):
            batch_op.drop_index(batch_op.f(f"ix_skill_offers_{column}"))
    op.drop_table("skill_offers")
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_answers_household_id"))
        batch_op.drop_index(batch_op.f("ix_poll_answers_poll_id"))
    op.drop_table("poll_answers")
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_polls_created_by"))
        batch_op.drop_index(batch_op.f("ix_polls_community_id"))
    op.drop_table("polls")
