"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from forum.accounts.models import ApiToken, NpiRecord, User, UserSession
from forum.articles.models import Article, ArticleShingle, Feed
from forum.boards.models import Board, Thread, ThreadListing
from forum.comments.models import Comment, CommentRevision
from forum.embed.models import EmbedHandoff, EmbedOrigin
from forum.moderation.models import AuditEvent, Flag, QueueItem, UserNote, WatchedWord
from forum.pillars.models import EmbedSighting, ThreadResource, ThreadStory, Track, TrackProgress, TrackStep
from forum.rally.models import Convening, ConveningHost, ConveningQuestion, ConveningRsvp

metadata = SQLModel.metadata

__all__ = [
    "ApiToken", "Article", "ArticleShingle", "AuditEvent", "Board", "Comment", "CommentRevision", "Feed", "Thread",
    "ThreadListing", "User", "UserSession", "metadata", "Flag", "QueueItem", "UserNote", "WatchedWord",
    "EmbedHandoff", "EmbedOrigin", "NpiRecord", "EmbedSighting", "ThreadResource", "ThreadStory", "Track", "TrackProgress",
    "TrackStep", "Convening", "ConveningHost", "ConveningQuestion", "ConveningRsvp",
]
