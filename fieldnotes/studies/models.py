"""A study, its members, and the journey, roles and tags that notes are filed under."""
import enum
import unicodedata
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship, validates

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.permissions import StudyRole


def enum_column(enum_class):
    # Stored as the readable value, and as VARCHAR so adding a value needs no ALTER TYPE.
    return Enum(enum_class, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


def name_key(name):
    """What makes two names of a study's tags, touchpoints or roles the same name.

    Letter case is ignored the Unicode way (casefold: "ÉCRAN" is "écran", "STRASSE" is "straße"), and
    so is how an accent was typed (one code point or a letter plus a combining mark look the same and
    are the same). Computed here, not with SQL lower(): SQLite's lower() folds ASCII only and
    PostgreSQL's follows the database's locale, so the two would disagree about which names clash.
    The key is stored beside the name, where a unique index makes it the rule on both databases.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


def key_column(name_length):
    """The stored key of a `name_length` name: casefold and decomposition make at most 4 code points of one.

    Filled from the name: on the ORM object by NamedByKey, and here for a Core INSERT that names no key.
    """
    return mapped_column(String(4 * name_length),
                         default=lambda context: name_key(context.get_current_parameters()["name"]))


def unique_by_key(table):
    # One name per study whatever its case; the older UniqueConstraint on the exact name stays
    # (it follows from this one, and dropping it would mean rebuilding the table on SQLite).
    return Index(f"uq_{table}_study_id_name_key", "study_id", "name_key", unique=True)


class NamedByKey:
    """A tag, touchpoint or role: its name's key is kept in step with the name, on every assignment."""

    @validates("name")
    def keep_key(self, _, name):
        self.name_key = name_key(name)
        return name


class StudyStatus(enum.StrEnum):
    PLANNING = "planning"
    FIELDWORK = "fieldwork"
    SYNTHESIS = "synthesis"
    CLOSED = "closed"


class Study(db.Model):
    """One research programme."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    status: Mapped[StudyStatus] = mapped_column(enum_column(StudyStatus), default=StudyStatus.PLANNING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="study", cascade="all, delete-orphan")
    touchpoints: Mapped[list["Touchpoint"]] = relationship(
        back_populates="study", order_by="Touchpoint.position", cascade="all, delete-orphan")
    roles: Mapped[list["Role"]] = relationship(
        back_populates="study", order_by="Role.position", cascade="all, delete-orphan")
    tags: Mapped[list["Tag"]] = relationship(
        back_populates="study", order_by="Tag.name", cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Study {self.id} {self.name!r}>"


class Membership(db.Model):
    __table_args__ = (UniqueConstraint("study_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[StudyRole] = mapped_column(enum_column(StudyRole))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    study: Mapped[Study] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()

    @classmethod
    def of_user(cls, user_id):
        """The user's memberships, studies by name: what the navigation shows. Each membership's study comes with it
        from the join (contains_eager): every page names them all, and read one by one they were a statement a study."""
        return (select(cls).join(cls.study).options(contains_eager(cls.study)).where(cls.user_id == user_id)
                .order_by(Study.name))


class JourneyTerm(NamedByKey):
    """What touchpoints and roles share: a name (one per study whatever its case), a place in the order,
    retirement.

    A retired term is not offered for new notes but stays on old ones.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = key_column(80)
    position: Mapped[int]
    retired: Mapped[bool] = mapped_column(default=False)

    @property
    def active(self):
        return not self.retired

    @classmethod
    def in_order(cls, study_id, *columns):
        """The study's terms (or just `columns` of them) in their order: by position, then id."""
        return select(*(columns or (cls,))).where(cls.study_id == study_id).order_by(cls.position, cls.id)


class Touchpoint(JourneyTerm, db.Model):
    """A stage of the customer journey where the customer meets the company."""

    __table_args__ = (UniqueConstraint("study_id", "name"), unique_by_key("touchpoint"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    study: Mapped[Study] = relationship(back_populates="touchpoints")


class Role(JourneyTerm, db.Model):
    """The observed person's role, e.g. finance executive or end user."""

    __table_args__ = (UniqueConstraint("study_id", "name"), unique_by_key("role"))
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    study: Mapped[Study] = relationship(back_populates="roles")


class Tag(NamedByKey, db.Model):
    """A free label within one study, one per name whatever its case."""

    __table_args__ = (UniqueConstraint("study_id", "name"), unique_by_key("tag"))
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = key_column(60)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    study: Mapped[Study] = relationship(back_populates="tags")
