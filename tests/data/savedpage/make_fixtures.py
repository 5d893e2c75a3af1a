"""Write the saved-page fixtures of this folder from the ".html" fixtures in ../webpage, as the browsers
write them (run from the repository root: ``python tests/data/savedpage/make_fixtures.py``).

* ``ferry.mhtml``: Chrome's "Webpage, Single File" of a news article showing its Disqus comments in a frame:
  the article page (its iframe's ``src`` rewritten to the frame's ``cid:``, as Chrome does), a style sheet,
  the Disqus frame's document (../webpage/disqus.html without its "saved from url" mark: here the
  frame's address is its ``Content-Location``) and an image; HTML and CSS quoted-printable, the image
  base64, CRLF line ends, Chrome's headers and boundary.
* ``riverside.webarchive``: Safari's web archive (a binary property list) of ../webpage/wordpress.html,
  with its style sheet and image as subresources and an embedded video player as a subframe archive.
* ``article.mhtml``: an article page with no comment section (read as flat text).
"""

from __future__ import annotations

import base64
import plistlib
import quopri
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
WEBPAGE = HERE.parent / "webpage"
BOUNDARY = "----MultipartBoundary--Qx3bXrPqkR8vTjN6Lz1Wm0aYd5hGc2sFe9uIo7pKlJ----"
# a 1x1 transparent PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
CSS = '@charset "utf-8";\n\nbody { font-family: Georgia, serif; margin: 0 auto; max-width: 42em; }\n#disqus_thread iframe { width: 100%; border: none; }\n'
DISQUS_URL = ("https://disqus.com/embed/comments/?base=default&f=harbourgazette&t_i=article-8841&t_u="
              "https%3A%2F%2Fharbourgazette.example%2Fnews%2Fferry")
FRAME_ID = "frame-8E1D3C7A55B04F2C9A1E6B0D4F7C2A19@mhtml.blink"
ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>Night ferry cancelled | Harbour Gazette</title>
<link rel="stylesheet" type="text/css" href="cid:css-0B6F2E91-4D3A-4C8E-9F1B-7A2D5E8C3F40@mhtml.blink">
<link rel="canonical" href="https://harbourgazette.example/news/ferry"></head>
<body class="single-article"><header><img src="https://harbourgazette.example/static/logo.png" alt="Harbour Gazette"></header>
<article><h1>Night ferry cancelled from June</h1><p class="byline">By Lena Marsh · 4 May 2024</p>
<p>The council voted on Tuesday to end the night ferry between the harbour and Skerry Point from 1 June,
citing a shortfall of £310,000 in the service's budget. Nurses on the night shift at the island clinic
say they have no other way home.</p>
<p>“We were told there would be a consultation,” said Karin Holt, a ward sister. The council says the
decision can be reviewed in the autumn.</p></article>
<section id="comments"><h2>Comments</h2><div id="disqus_thread"><iframe id="dsq-app4127" name="dsq-app4127"
allowtransparency="true" frameborder="0" scrolling="no" tabindex="0" title="Disqus" width="100%"
src="cid:%s" style="width: 1px !important; min-width: 100% !important; border: none !important;
overflow: hidden !important; height: 1203px !important;" horizontalscrolling="no" verticalscrolling="no"></iframe></div></section>
<footer><p>© 2024 Harbour Gazette · <a href="https://harbourgazette.example/contact">Contact</a></p></footer>
</body></html>""".replace("%s", FRAME_ID)
PLAIN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tide tables for May</title></head>
<body><article><h1>Tide tables for May</h1><p>High water at the harbour mouth is about forty minutes
earlier than at Skerry Point. The tables below are for the harbour.</p><p>Spring tides fall on the 8th and
the 23rd.</p></article></body></html>"""


def _qp(text: str) -> str:
    """Quoted-printable as Chrome writes it: =3D for "=", soft breaks at 76 columns, CRLF."""
    encoded = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    return encoded.replace("\r\n", "\n").replace("\n", "\r\n")


def _part(headers: list[tuple[str, str]], body: str) -> str:
    return "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n" + body + "\r\n"


def mhtml(parts: list[str], location: str, subject: str) -> bytes:
    head = ("From: <Saved by Blink>\r\n"
            f"Snapshot-Content-Location: {location}\r\n"
            f"Subject: {subject}\r\n"
            "Date: Sat, 4 May 2024 11:02:17 +0100\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/related;\r\n"
            '\ttype="text/html";\r\n'
            f'\tboundary="{BOUNDARY}"\r\n\r\n\r\n')
    return (head + "".join(f"--{BOUNDARY}\r\n{p}" for p in parts) + f"--{BOUNDARY}--\r\n").encode("ascii")


def main() -> None:
    disqus = (WEBPAGE / "disqus.html").read_text(encoding="utf-8")
    frame = re.sub(r"<!-- saved from url=\(\d+\)\S+ -->\n", "", disqus, count=1)
    b64 = base64.encodebytes(PNG).decode("ascii").replace("\n", "\r\n")
    page = "https://harbourgazette.example/news/ferry"
    (HERE / "ferry.mhtml").write_bytes(mhtml([
        _part([("Content-Type", "text/html"), ("Content-ID", "<frame-2B7C0F4E91A35D68C0E2B4A6F8D1C3E5@mhtml.blink>"),
               ("Content-Transfer-Encoding", "quoted-printable"), ("Content-Location", page)], _qp(ARTICLE)),
        _part([("Content-Type", "text/css"), ("Content-Transfer-Encoding", "quoted-printable"),
               ("Content-Location", "cid:css-0B6F2E91-4D3A-4C8E-9F1B-7A2D5E8C3F40@mhtml.blink")], _qp(CSS)),
        _part([("Content-Type", "text/html"), ("Content-ID", f"<{FRAME_ID}>"),
               ("Content-Transfer-Encoding", "quoted-printable"), ("Content-Location", DISQUS_URL)], _qp(frame)),
        _part([("Content-Type", "image/png"), ("Content-Transfer-Encoding", "base64"),
               ("Content-Location", "https://harbourgazette.example/static/logo.png")], b64),
    ], page, "Night ferry cancelled | Harbour Gazette"))
    (HERE / "article.mhtml").write_bytes(mhtml([
        _part([("Content-Type", "text/html"), ("Content-ID", "<frame-5D0A9C2E7B41F3860D2C9E4A1B7F5C08@mhtml.blink>"),
               ("Content-Transfer-Encoding", "quoted-printable"),
               ("Content-Location", "https://harbourgazette.example/news/tides")], _qp(PLAIN)),
    ], "https://harbourgazette.example/news/tides", "Tide tables for May"))
    wordpress = (WEBPAGE / "wordpress.html").read_bytes()
    base = "https://riversidenews.example/2024/05/20/bridge-closure/"
    player = (b'<!DOCTYPE html><html><head><title>Video</title></head><body><div class="player">'
              b'<video src="https://video.example/v/3321.mp4"></video><p>Bridge works, day one (1:42)</p></div></body></html>')
    archive = {
        "WebMainResource": {"WebResourceData": wordpress, "WebResourceFrameName": "", "WebResourceMIMEType": "text/html",
                            "WebResourceTextEncodingName": "UTF-8", "WebResourceURL": base},
        "WebSubresources": [
            {"WebResourceData": CSS.encode("utf-8"), "WebResourceMIMEType": "text/css",
             "WebResourceURL": "https://riversidenews.example/wp-content/themes/river/style.css"},
            {"WebResourceData": PNG, "WebResourceMIMEType": "image/png",
             "WebResourceURL": "https://riversidenews.example/wp-content/uploads/logo.png"},
        ],
        "WebSubframeArchives": [
            {"WebMainResource": {"WebResourceData": player, "WebResourceFrameName": "<!--frame1-->",
                                 "WebResourceMIMEType": "text/html", "WebResourceTextEncodingName": "UTF-8",
                                 "WebResourceURL": "https://video.example/embed/3321"}},
        ],
    }
    (HERE / "riverside.webarchive").write_bytes(plistlib.dumps(archive, fmt=plistlib.FMT_BINARY, sort_keys=True))


if __name__ == "__main__":
    main()
