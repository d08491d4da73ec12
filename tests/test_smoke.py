from tests.conftest import form_post


def test_member_starts_thread_comments_and_replies(member):
    response = form_post(member, "/b/rally/new", "/b/rally/new", {"title": "First", "body": "Hello **world**"})
    assert response.status_code == 303
    thread_url = response.headers["location"]
    page = member.get(thread_url)
    assert "<strong>world</strong>" in page.text
    thread_id = thread_url.split("/")[2]
    response = form_post(member, thread_url, f"/t/{thread_id}/comments", {"body": "a comment"})
    assert response.status_code == 303
    comment_id = response.headers["location"].split("#c")[1]
    response = form_post(member, thread_url, f"/t/{thread_id}/comments", {"body": "a reply", "parent_id": comment_id})
    assert response.status_code == 303
    page = member.get(thread_url).text
    assert "a comment" in page and "a reply" in page
    assert page.index("a reply") > page.index("a comment")
