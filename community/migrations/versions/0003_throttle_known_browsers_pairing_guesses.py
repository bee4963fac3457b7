"""login throttle delays, known browsers, wrong guesses per pairing code (issue 14)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 13:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_browsers",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("known_browsers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_browsers_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("pairing_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrong_guesses", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pairing_codes", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("wrong_guesses")

    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_column("next_at")

    with op.batch_alter_table("known_browsers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_browsers_user_id"))

    op.drop_table("known_browsers")
