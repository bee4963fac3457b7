"""young participants (青年参与者) allowed by an elder's family to see the elder's 新动向 (issue 16)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "young_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("allowed_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["allowed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "household_id", name="uq_young_link"),
    )
    with op.batch_alter_table("young_links", schema=None) as batch_op:
        for column in ("user_id", "household_id", "allowed_by"):
            batch_op.create_index(batch_op.f(f"ix_young_links_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("young_links", schema=None) as batch_op:
        for column in ("user_id", "household_id", "allowed_by"):
            batch_op.drop_index(batch_op.f(f"ix_young_links_{column}"))
    op.drop_table("young_links")
