"""Every URL the app serves, in one list."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from forum.accounts import api as accounts_api
from forum.accounts import views as accounts
from forum.articles import api as articles_api
from forum.articles import views as articles
from forum.boards import api as boards_api
from forum.boards import views as boards
from forum.comments import api as comments_api
from forum.comments import views as comments
from forum.embed import api as embed_api
from forum.embed import views as embed
from forum.live.views import thread_socket
from forum.moderation.live import queue_socket
from forum.moderation import api as moderation_api
from forum.moderation import thread_views as thread_moderation
from forum.moderation import views as moderation
from forum.moderation import user_api, user_views
from forum.paths import STATIC_DIR
from forum.phi import api as phi_api
from forum.pillars import api as pillars_api
from forum.pillars import track_api
from forum.pillars import track_views as tracks
from forum.pillars import views as pillars
from forum.rally import api as rally_api
from forum.rally import views as rally
from forum.types import MAX_ID
from forum.web import api


class IdConvertor(Convertor[int]):
    """Ids in the path; anything else is simply not found."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        # Past the largest id a column holds, no row can match: 0, which no row
        # has, keeps the query valid and the answer a plain 404.
        number = int(value)
        return number if number <= MAX_ID else 0

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())


async def healthz(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    ok = await run_in_threadpool(request.app.state.db.ping)
    return PlainTextResponse("ok" if ok else "database unavailable", status_code=200 if ok else 503)


@api
def openapi_json(request: Request, viewer: object, payload: None) -> JSONResponse:
    return JSONResponse(request.app.state.openapi)


def build_routes() -> list[BaseRoute]:
    return [
        Route("/", boards.home_page),
        Route("/healthz", healthz),
        Route("/guidelines", boards.guidelines_page),
        Route("/b/rally/calendar.ics", rally.rally_calendar),
        Route("/b/{slug}", boards.board_page),
        Route("/b/{slug}/new", boards.new_thread_page, methods=["GET", "POST"]),
        Route("/t/{thread_id:id}", boards.thread_page),
        Route("/t/{thread_id:id}/comments", comments.post_comment_page, methods=["GET", "POST"]),
        Route("/t/{thread_id:id}/flag", thread_moderation.thread_flag_page, methods=["GET", "POST"]),
        Route("/t/{thread_id:id}/mod/{action}", thread_moderation.thread_mod_action, methods=["POST"]),
        Route("/t/{thread_id:id}/pillar/resource", pillars.resource_page, methods=["GET", "POST"]),
        Route("/t/{thread_id:id}/pillar/story", pillars.story_page, methods=["GET", "POST"]),
        Route("/t/{thread_id:id}/convene", rally.convene_page, methods=["GET", "POST"]),
        Route("/t/{thread_id:id}/{slug}", boards.thread_page),
        Route("/tracks/new", tracks.new_track_page, methods=["GET", "POST"]),
        Route("/tracks/{track_id:id}", tracks.track_page),
        Route("/tracks/{track_id:id}/continue", tracks.continue_page),
        Route("/tracks/{track_id:id}/edit", tracks.track_edit_page, methods=["POST"]),
        Route("/tracks/{track_id:id}/steps", tracks.add_step_page, methods=["POST"]),
        Route("/tracks/{track_id:id}/steps/{thread_id:id}/{action}", tracks.step_action_page, methods=["POST"]),
        Route("/c/{convening_id:id}.ics", rally.convening_ics),
        Route("/c/{convening_id:id}/transcript.md", rally.transcript_md),
        Route("/c/{convening_id:id}", rally.convening_page),
        Route("/c/{convening_id:id}/rsvp", rally.rsvp_page, methods=["GET", "POST"]),
        Route("/c/{convening_id:id}/release", rally.release_page, methods=["GET", "POST"]),
        Route("/c/{convening_id:id}/slow", rally.slow_mode_page, methods=["GET", "POST"]),
        Route("/c/{convening_id:id}/end", rally.end_page, methods=["GET", "POST"]),
        Route("/comments/{comment_id:id}/reply", comments.reply_page),
        Route("/comments/{comment_id:id}/edit", comments.edit_page, methods=["GET", "POST"]),
        Route("/comments/{comment_id:id}/delete", comments.delete_page, methods=["GET", "POST"]),
        Route("/comments/{comment_id:id}/note", comments.note_page, methods=["GET", "POST"]),
        Route("/comments/{comment_id:id}/history", comments.history_page),
        Route("/comments/{comment_id:id}/flag", thread_moderation.comment_flag_page, methods=["GET", "POST"]),
        Route("/comments/{comment_id:id}/mod/{action}", thread_moderation.comment_mod_page, methods=["GET", "POST"]),
        Route("/flags", thread_moderation.my_flags_page),
        Route("/login", accounts.login_page, methods=["GET", "POST"]),
        Route("/register", accounts.register_page, methods=["GET", "POST"]),
        Route("/logout", accounts.logout_page, methods=["GET", "POST"]),
        Route("/u/{name}", accounts.profile_page),
        Route("/u/{name}/edit", accounts.profile_edit_page, methods=["GET", "POST"]),
        Route("/search", boards.search_page),
        Route("/mod/import", articles.import_page, methods=["GET", "POST"]),
        Route("/mod", moderation.dashboard_page),
        Route("/mod/queue", moderation.queue_page),
        Route("/mod/queue/{item_id:id}/{action}", moderation.queue_action, methods=["POST"]),
        Route("/mod/log", moderation.log_page),
        Route("/mod/words", moderation.words_page, methods=["GET", "POST"]),
        Route("/mod/words/{word_id:id}/remove", moderation.remove_word_page, methods=["POST"]),
        Route("/mod/boards", moderation.boards_page, methods=["GET", "POST"]),
        Route("/mod/embeds", embed.embeds_page, methods=["GET", "POST"]),
        Route("/mod/embeds/{origin_id:id}/remove", embed.remove_embed_page, methods=["POST"]),
        Route("/embed/thread", embed.embed_thread_page),
        Route("/embed/login", embed.embed_login_page, methods=["GET", "POST"]),
        Route("/mod/users", user_views.users_page),
        Route("/mod/users/{user_id:id}", user_views.user_page),
        Route("/mod/users/{user_id:id}/{action}", user_views.user_action_page, methods=["POST"]),
        Route("/api/v1/openapi.json", openapi_json),
        Route("/api/v1/me", accounts_api.me_api, methods=["GET"]),
        Route("/api/v1/me", accounts_api.update_me_api, methods=["PATCH"]),
        Route("/api/v1/boards", boards_api.list_boards_api),
        Route("/api/v1/boards/{slug}/threads", boards_api.board_threads_api),
        Route("/api/v1/threads", boards_api.create_thread_api, methods=["POST"]),
        Route("/api/v1/threads/{thread_id:id}", boards_api.get_thread_api),
        Route("/api/v1/threads/{thread_id:id}/comments", comments_api.list_comments_api, methods=["GET"]),
        Route("/api/v1/threads/{thread_id:id}/comments", comments_api.create_comment_api, methods=["POST"]),
        Route("/api/v1/threads/{thread_id:id}/convenings", rally_api.create_convening_api, methods=["POST"]),
        Route("/api/v1/threads/{thread_id:id}/resource", pillars_api.set_resource_api, methods=["PUT"]),
        Route("/api/v1/threads/{thread_id:id}/resource", pillars_api.clear_resource_api, methods=["DELETE"]),
        Route("/api/v1/threads/{thread_id:id}/story", pillars_api.set_story_api, methods=["PUT"]),
        Route("/api/v1/threads/{thread_id:id}/story", pillars_api.clear_story_api, methods=["DELETE"]),
        Route("/api/v1/resources", pillars_api.resource_library_api),
        Route("/api/v1/stories", pillars_api.story_grid_api),
        Route("/api/v1/tracks", track_api.list_tracks_api, methods=["GET"]),
        Route("/api/v1/tracks", track_api.create_track_api, methods=["POST"]),
        Route("/api/v1/tracks/{track_id:id}", track_api.get_track_api),
        Route("/api/v1/tracks/{track_id:id}/steps", track_api.add_step_api, methods=["POST"]),
        Route("/api/v1/tracks/{track_id:id}/steps/{thread_id:id}", track_api.remove_step_api, methods=["DELETE"]),
        Route("/api/v1/tracks/{track_id:id}/steps/{thread_id:id}/done", track_api.mark_step_api, methods=["POST", "DELETE"]),
        Route("/api/v1/convenings/{convening_id:id}", rally_api.get_convening_api),
        Route("/api/v1/convenings/{convening_id:id}/rsvp", rally_api.rsvp_api, methods=["POST", "DELETE"]),
        Route("/api/v1/convenings/{convening_id:id}/release", rally_api.release_api, methods=["POST"]),
        Route("/api/v1/convenings/{convening_id:id}/slow", rally_api.slow_mode_api, methods=["POST"]),
        Route("/api/v1/convenings/{convening_id:id}/end", rally_api.end_api, methods=["POST"]),
        Route("/api/v1/articles", articles_api.import_articles_api, methods=["POST"]),
        Route("/api/v1/comments/{comment_id:id}/flags", moderation_api.flag_comment_api, methods=["POST"]),
        Route("/api/v1/threads/{thread_id:id}/flags", moderation_api.flag_thread_api, methods=["POST"]),
        Route("/api/v1/mod/comments/{comment_id:id}/{action}", moderation_api.comment_action_api, methods=["POST"]),
        Route("/api/v1/mod/threads/{thread_id:id}/{action}", moderation_api.thread_action_api, methods=["POST"]),
        Route("/api/v1/mod/queue", moderation_api.queue_api),
        Route("/api/v1/mod/queue/{item_id:id}/{action}", moderation_api.queue_action_api, methods=["POST"]),
        Route("/api/v1/mod/users/{user_id:id}", user_api.user_api),
        Route("/api/v1/mod/users/{user_id:id}/{action}", user_api.user_action_api, methods=["POST"]),
        Route("/api/v1/admin/users/{user_id:id}/role", user_api.set_role_api, methods=["POST"]),
        Route("/api/v1/guard/check", phi_api.guard_check_api, methods=["POST"]),
        Route("/api/v1/embed/counts", embed_api.counts_api),
        Route("/api/v1/embed/session", embed_api.session_api, methods=["GET"]),
        Route("/api/v1/embed/session", embed_api.create_session_api, methods=["POST"]),
        Route("/api/v1/embed/session", embed_api.end_session_api, methods=["DELETE"]),
        WebSocketRoute("/ws/threads/{thread_id:id}", thread_socket),
        WebSocketRoute("/ws/mod/queue", queue_socket),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
