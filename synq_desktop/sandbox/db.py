"""The sandbox's SQLite schema (SQLAlchemy 2) and the store that serialises access to it.

Every row carries `tenant_id` (and most `org_id`), and every query filters by it: that is the whole of
the tenancy model. Timestamps are fixed-width ISO text from `clock.MonotonicClock`, so SQL string order
is time order. Money is stored as the exact decimal text it will be returned as.

One re-entrant lock guards the database: request handlers (uvicorn's thread pool) and the job worker
thread take it for each transaction, which keeps an in-memory database (one shared connection) safe
and keeps a file database free of "database is locked" errors.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

ID = String(36)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Facts about the server itself (demo tenant, org and token; whether the demo was seeded)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[str] = mapped_column(String(32))


class Org(Base):
    __tablename__ = "orgs"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    created_at: Mapped[str] = mapped_column(String(32))


class Token(Base):
    """A bearer token, stored only as its SHA-256 digest."""

    __tablename__ = "tokens"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ID)
    org_id: Mapped[str] = mapped_column(ID)
    role: Mapped[str] = mapped_column(String(16))
    actor_email: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[float | None] = mapped_column(nullable=True)  # unix seconds
    created_at: Mapped[str] = mapped_column(String(32))


class _Scoped:
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ID)
    org_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class Category(_Scoped, Base):
    __tablename__ = "categories"
    parent_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        Index("ix_categories_t_name", "tenant_id", "name", "id"),
        Index("ix_categories_t_upd", "tenant_id", "updated_at", "id"),
    )


class Brand(_Scoped, Base):
    __tablename__ = "brands"
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    logo_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        Index("ix_brands_t_name", "tenant_id", "name", "id"),
        Index("ix_brands_t_upd", "tenant_id", "updated_at", "id"),
    )


class Attribute(_Scoped, Base):
    __tablename__ = "attributes"
    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    __table_args__ = (
        UniqueConstraint("tenant_id", "slug"),
        Index("ix_attributes_t_name", "tenant_id", "name", "id"),
        Index("ix_attributes_t_upd", "tenant_id", "updated_at", "id"),
    )


class AttributeValue(Base):
    __tablename__ = "attribute_values"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ID)
    attribute_id: Mapped[str] = mapped_column(ID)
    value: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (
        UniqueConstraint("attribute_id", "slug"),
        Index("ix_attribute_values_t_attr", "tenant_id", "attribute_id", "created_at"),
    )


class AttributeGroup(_Scoped, Base):
    __tablename__ = "attribute_groups"
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    attribute_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON array
    __table_args__ = (Index("ix_attribute_groups_t_name", "tenant_id", "name", "id"),)


class Template(_Scoped, Base):
    __tablename__ = "templates"
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    attribute_group_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON array
    required_attribute_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON array
    __table_args__ = (Index("ix_templates_t_name", "tenant_id", "name", "id"),)


class Product(_Scoped, Base):
    __tablename__ = "products"
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    category: Mapped[str | None] = mapped_column(Text, nullable=True)
    category_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    brand_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    template_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    data_quality_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (
        Index("ix_products_t_created", "tenant_id", "created_at", "id"),
        Index("ix_products_t_upd", "tenant_id", "updated_at", "id"),
        Index("ix_products_t_template", "tenant_id", "template_id"),
    )


class Variant(_Scoped, Base):
    __tablename__ = "variants"
    product_id: Mapped[str] = mapped_column(ID)
    sku: Mapped[str | None] = mapped_column(Text, nullable=True)
    barcode: Mapped[str | None] = mapped_column(Text, nullable=True)
    price: Mapped[str | None] = mapped_column(Text, nullable=True)  # exact decimal text
    currency: Mapped[str | None] = mapped_column(Text, nullable=True)
    cost_price: Mapped[str | None] = mapped_column(Text, nullable=True)
    option_values: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON object, kept current
    data_quality_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (
        Index("ix_variants_t_created", "tenant_id", "created_at", "id"),
        Index("ix_variants_t_upd", "tenant_id", "updated_at", "id"),
        Index("ix_variants_product", "product_id", "created_at"),
        Index("ix_variants_t_sku", "tenant_id", "sku"),
    )


class VariantAttributeValue(Base):
    __tablename__ = "variant_attribute_values"
    variant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    attribute_value_id: Mapped[str] = mapped_column(ID, primary_key=True)
    attribute_id: Mapped[str] = mapped_column(ID)
    tenant_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (Index("ix_vav_value", "attribute_value_id"), Index("ix_vav_attr", "attribute_id"))


class ProductAttributeValue(Base):
    __tablename__ = "product_attribute_values"
    product_id: Mapped[str] = mapped_column(ID, primary_key=True)
    attribute_value_id: Mapped[str] = mapped_column(ID, primary_key=True)
    attribute_id: Mapped[str] = mapped_column(ID)
    tenant_id: Mapped[str] = mapped_column(ID)
    created_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (Index("ix_pav_value", "attribute_value_id"), Index("ix_pav_attr", "attribute_id"))


class Media(_Scoped, Base):
    __tablename__ = "media"
    product_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    variant_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    url: Mapped[str] = mapped_column(Text)
    alt_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        Index("ix_media_t_order", "tenant_id", "sort_order", "created_at", "id"),
        Index("ix_media_t_upd", "tenant_id", "updated_at", "id"),
        Index("ix_media_product", "product_id"),
        Index("ix_media_variant", "variant_id"),
    )


class ValidationIssue(Base):
    __tablename__ = "validation_issues"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ID)
    org_id: Mapped[str] = mapped_column(ID)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(ID)
    issue_type: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(Text, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (
        Index("ix_issues_entity", "entity_id"),
        Index("ix_issues_t_created", "tenant_id", "created_at", "id"),
    )


class AuditEvent(Base):
    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(ID, unique=True)
    tenant_id: Mapped[str] = mapped_column(ID)
    org_id: Mapped[str] = mapped_column(ID)
    actor_email: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON object
    ip_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    __table_args__ = (
        Index("ix_audit_t_seq", "tenant_id", "seq"),
        Index("ix_audit_entity", "tenant_id", "entity_id"),
    )


class BulkJob(_Scoped, Base):
    __tablename__ = "bulk_jobs"
    job_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    payload: Mapped[str] = mapped_column(Text)  # JSON text of what was sent
    items: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list fixed when processing starts
    total_items: Mapped[int | None] = mapped_column(Integer, nullable=True)
    processed_items: Mapped[int] = mapped_column(Integer, default=0)
    failed_items: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {index, error}
    result_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    export_format: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # Bytes of the export file that belong to committed progress (a resumed export truncates to it).
    result_bytes: Mapped[int] = mapped_column(Integer, default=0)
    actor_email: Mapped[str] = mapped_column(Text, default="system")
    __table_args__ = (
        Index("ix_jobs_t_type", "tenant_id", "job_type", "created_at"),
        Index("ix_jobs_status", "status", "created_at"),
    )


class IdempotencyRecord(Base):
    """The first answer to a POST carrying an Idempotency-Key, replayed for 24 hours."""

    __tablename__ = "idempotency_records"
    tenant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[str] = mapped_column(Text)  # JSON list of [name, value]
    body: Mapped[bytes] = mapped_column()
    created: Mapped[float] = mapped_column()  # unix seconds
    __table_args__ = (Index("ix_idem_created", "created"),)


class Store:
    """The engine, a session factory and the lock every transaction holds."""

    def __init__(self, database: Path | str | None) -> None:
        if database is None:
            # One shared connection: an in-memory database exists only inside it.
            self.engine: Engine = create_engine(
                "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            path = Path(database)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                f"sqlite:///{path}", poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
            event.listen(self.engine, "connect", _file_pragmas)
        self.lock = threading.RLock()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        Base.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction under the lock: committed when the block ends, rolled back on an exception."""
        with self.lock:
            session = self._sessions()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def get_meta(self, session: Session, key: str) -> str | None:
        row = session.get(Meta, key)
        return None if row is None else row.value

    def set_meta(self, session: Session, key: str, value: str) -> None:
        row = session.get(Meta, key)
        if row is None:
            session.add(Meta(key=key, value=value))
        else:
            row.value = value

    def newest_timestamp(self) -> str | None:
        """The latest stamp in the database, so a reopened server's clock starts after it."""
        with self.session() as session:
            stamps = [
                session.scalar(select(func.max(model.updated_at)))
                for model in (Product, Variant, Category, Brand, Attribute, Media, BulkJob)
            ]
            stamps.append(session.scalar(select(func.max(AuditEvent.created_at))))
        present = [stamp for stamp in stamps if stamp]
        return max(present) if present else None

    def dispose(self) -> None:
        self.engine.dispose()


def _file_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
