"""Pages saved as one file (discourse/io/savedpage.py): Chrome's MHTML and Safari's web archive read with
the nesting their HTML holds, the comments of a framed Disqus embed found in its frame, and broken files
refused in one line naming the file."""

from __future__ import annotations

import plistlib
import shutil
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest
from typer.testing import CliRunner

from discourse import io
from discourse.cli.app import app
from discourse.errors import ParseError
from discourse.io.savedpage import html_documents
from discourse.io.webpage import read_webpage

DATA = Path(__file__).resolve().parent.parent / "data" / "savedpage"
WEBPAGE = DATA.parent / "webpage"


def test_chrome_mhtml_reads_the_disqus_comments_in_its_frame() -> None:
    res = io.read_file(DATA / "ferry.mhtml")
    saved = read_webpage(WEBPAGE / "disqus.html")     # the frame's document as a ".html" save holds it
    assert res.comments.equals(saved.comments)
    assert res.comments.height == 6 and res.comments["parent_id"].null_count() == 2
    t = res.threads.row(0, named=True)
    assert (t["site"], t["thread_id"], t["url"]) == ("disqus", "article-8841", "https://harbourgazette.example/news/ferry")
    assert t["title"] == "Night ferry cancelled | Harbour Gazette"      # the page's title, not the frame's
    fq = res.quality.files[0]
    assert fq.format == "mhtml"
    assert fq.notes[0].startswith("mhtml: the page and 1 frame; comments read from frame 1 (https://disqus.com/embed/")
    q = res.quality.thread("disqus", "article-8841")
    assert q.read == q.kept == 6


def test_safari_webarchive_reads_the_wordpress_page_not_its_video_frame() -> None:
    res = io.read_file(DATA / "riverside.webarchive")
    saved = read_webpage(WEBPAGE / "wordpress.html")
    assert res.comments.equals(saved.comments)
    assert res.threads.equals(saved.threads)
    assert res.quality.files[0].format == "webarchive"
    assert "comments read from the page (https://riversidenews.example/2024/05/20/bridge-closure/)" in res.quality.files[0].notes[0]
    q = res.quality.thread("wordpress", res.threads["thread_id"][0])
    assert q.read == 7 and q.kept == 6 and dict(q.dropped) == {"pingback": 1}


def test_a_saved_page_without_comment_structure_is_read_as_flat_text() -> None:
    res = io.read_file(DATA / "article.mhtml")
    assert res.comments.height == 0
    notes = res.quality.files[0].notes
    assert notes[0] == "mhtml: the page and 0 frames; no document has comment structure: the page is read as flat text"
    assert any("read as a flat page" in n for n in notes)


def test_documents_come_out_decoded_page_first(tmp_path: Path) -> None:
    docs = html_documents(DATA / "ferry.mhtml")
    assert [u for u, _ in docs] == ["https://harbourgazette.example/news/ferry", docs[1][0]]
    assert "£310,000" in docs[0][1] and "Karin H" in docs[1][1]          # quoted-printable UTF-8 decoded
    # a frame written before the page, a stated charset: the snapshot's address comes first, text decoded by it
    msg = MIMEMultipart("related", type="text/html")
    msg["Snapshot-Content-Location"] = "https://a.example/page"
    for url, body, charset in (("https://a.example/frame", "<html><body>frame</body></html>", "utf-8"),
                               ("https://a.example/page", "<html><body>Café crème</body></html>", "windows-1252")):
        part = MIMEText(body, "html", charset)
        part["Content-Location"] = url
        msg.attach(part)
    path = tmp_path / "saved.mht"
    path.write_bytes(msg.as_bytes())
    assert html_documents(path) == [("https://a.example/page", "<html><body>Café crème</body></html>"),
                                    ("https://a.example/frame", "<html><body>frame</body></html>")]
    # RFC 2557's start= names the root part by its Content-ID, whatever the snapshot header says
    msg = MIMEMultipart("related", type="text/html", start="<root@x>")
    for url, cid in (("https://a.example/frame", "<frame@x>"), ("https://a.example/page", "<root@x>")):
        part = MIMEText(f"<html><body>{url}</body></html>", "html", "utf-8")
        part["Content-Location"], part["Content-ID"] = url, cid
        msg.attach(part)
    path.write_bytes(msg.as_bytes())
    assert [u for u, _ in html_documents(path)] == ["https://a.example/page", "https://a.example/frame"]


def test_detected_by_content_whatever_the_name(tmp_path: Path) -> None:
    for name, kind in (("ferry.mhtml", "mhtml"), ("riverside.webarchive", "webarchive")):
        assert io.detect_format(DATA / name).name == kind
        renamed = tmp_path / f"{name}.download"
        shutil.copy(DATA / name, renamed)
        assert io.detect_format(renamed).name == kind
    # an ordinary saved .html page is not claimed
    assert io.detect_format(WEBPAGE / "disqus.html").name == "webpage"


def _one_line_error(path: Path) -> str:
    with pytest.raises(ParseError) as err:
        io.read_file(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    return message


def test_broken_saved_pages_are_refused_in_one_line(tmp_path: Path) -> None:
    no_html = tmp_path / "styles.mhtml"
    msg = MIMEMultipart("related")
    msg.attach(MIMEText("body { color: red }", "css"))
    no_html.write_bytes(msg.as_bytes())
    assert "no text/html part" in _one_line_error(no_html)
    broken = tmp_path / "broken.webarchive"
    broken.write_bytes(b"bplist00" + bytes(range(40)))
    assert "not a readable Safari web archive" in _one_line_error(broken)
    other = tmp_path / "settings.webarchive"
    other.write_bytes(plistlib.dumps({"Theme": "dark"}, fmt=plistlib.FMT_BINARY))
    assert "without WebMainResource" in _one_line_error(other)
    # a frame cut short is the page's error, as for a ".html" save
    cut = tmp_path / "cut.mhtml"
    cut.write_bytes((DATA / "ferry.mhtml").read_bytes().split(b"<ul id=3D\"post-list\"")[0])
    assert "ends before </html>" in _one_line_error(cut)


def test_cli_builds_a_saved_page(tmp_path: Path) -> None:
    out = tmp_path / "b"
    res = CliRunner().invoke(app, ["build", str(DATA / "ferry.mhtml"), "--out", str(out), "--scorer", "fast"])
    assert res.exit_code == 0, res.output
    assert (out / "network.html").exists() and "6 comments read" in res.output
    broken = tmp_path / "broken.webarchive"
    broken.write_bytes(b"bplist00" + bytes(range(40)))
    res = CliRunner().invoke(app, ["build", str(broken), "--out", str(tmp_path / "c")])
    assert res.exit_code != 0 and "Traceback" not in res.output and str(broken) in res.output
