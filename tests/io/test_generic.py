import datetime as dt

import polars as pl
import pytest

from discourse import io
from discourse.errors import ColumnMappingError, EmptyInput, FileNotFound, NoUsableComments, ParseError
from discourse.io import ReadOptions


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


CSV = "thread_id,comment_id,parent_id,author,text,timestamp\nt1,1,,alice,Hello,2024-01-01T10:00:00Z\n" \
      "t1,2,1,bob,No way,2024-01-01T10:05:00Z\nt1,3,2,[deleted],[removed],1704103800\n"


def test_csv_with_guessed_columns(tmp_path):
    r = io.read(write(tmp_path, "x.csv", CSV))
    c = r.comments
    assert c["comment_id"].to_list() == ["1", "2", "3"]
    assert c["parent_id"].to_list() == [None, "1", "2"]
    assert c["author"].to_list() == ["alice", "bob", None]
    assert c["text"].to_list() == ["Hello", "No way", None]
    assert c["parent_source"].to_list() == ["root", "explicit", "explicit"]
    assert c["created_at"].to_list() == [
        dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 1, 10, 5, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 1, 10, 10, tzinfo=dt.UTC),
    ]
    t = r.quality.threads[("generic", "t1")]
    assert t.read == 3 and t.repaired["author_deleted"] == 1 and t.repaired["text_removed"] == 1


def test_column_mapping_and_missing_column_message(tmp_path):
    p = write(tmp_path, "y.csv", "msg,who,reply_of,key\nhi,ann,,k1\nho,ben,k1,k2\n")
    r = io.read(p, options=ReadOptions(text_col="msg", author_col="who", parent_col="reply_of", id_col="key"))
    assert r.comments["parent_id"].to_list() == [None, "k1"]
    assert r.comments["thread_id"].unique().to_list() == ["y"]  # file stem when no thread column
    with pytest.raises(ColumnMappingError, match="the author column 'writer' is not in the file; its columns are: msg, who, reply_of, key"):
        io.read(p, options=ReadOptions(text_col="msg", author_col="writer"))


def test_no_parent_column_marks_comments_for_inference(tmp_path):
    p = write(tmp_path, "flat.csv", "author,text\nann,one\nben,two\n")
    r = io.read(p)
    assert r.comments["parent_source"].to_list() == ["none", "none"]
    assert r.comments["comment_id"].to_list() == ["0", "1"]


def test_jsonl_bad_line_raises_or_is_counted(tmp_path):
    p = write(tmp_path, "d.jsonl", '{"id": "a", "text": "x"}\n{"id": "b", "text": \n{"id": "c", "text": "z"}\n')
    with pytest.raises(ParseError, match=r"d.jsonl, line 2: invalid JSON"):
        io.read(p)
    r = io.read(p, options=ReadOptions(on_error="skip"))
    assert r.comments.height == 2
    assert r.quality.files[0].bad_records == 1 and r.quality.files[0].records == 3


def test_jsonl_line_that_is_not_an_object(tmp_path):
    p = write(tmp_path, "l.jsonl", '{"id": "a", "text": "x"}\n[1, 2]\n')
    with pytest.raises(ParseError, match=r"l.jsonl, line 2: expected one JSON object per line"):
        io.read(p)


def test_cp1252_and_bom(tmp_path):
    p = write(tmp_path, "w.csv", "author,text,id\nJos\u00e9,caf\u00e9 \u2013 ok,1\n", encoding="cp1252")
    assert io.read(p).comments["text"].to_list() == ["caf\u00e9 \u2013 ok"]
    p2 = write(tmp_path, "b.csv", "\ufeffauthor,text,id\nann,hi,1\n")
    assert io.read(p2).comments["author"].to_list() == ["ann"]


def test_missing_empty_and_headless_files(tmp_path):
    with pytest.raises(FileNotFound, match="no such file"):
        io.read(tmp_path / "nope.csv")
    with pytest.raises(EmptyInput, match="empty"):
        io.read(write(tmp_path, "e.csv", ""))
    with pytest.raises(NoUsableComments):
        io.read(write(tmp_path, "h.csv", "author,text\n"))


def test_parquet_round_trip(tmp_path):
    df = pl.DataFrame({"comment_id": ["1", "2"], "parent_id": [None, "1"], "author": ["a", "b"], "text": ["x", "y"],
                       "thread_id": ["t", "t"]})
    p = tmp_path / "x.parquet"
    df.write_parquet(p)
    r = io.read(p)
    assert r.comments["parent_id"].to_list() == [None, "1"]


def test_sample_data_reads_and_accounts(sample_data):
    r = io.read([sample_data / "main_street.csv", sample_data / "library_hours.jsonl"])
    assert r.comments.height == 64 + 27
    assert sorted(r.threads["thread_id"]) == ["library-sunday-hours", "main-street-bike-lane"]
    assert r.quality.check_balanced() == []


def test_jsonl_lines_end_only_at_newline(tmp_path):
    # JSON strings may hold U+2028, U+2029 and U+0085 unescaped: they are text, not line breaks
    p = write(tmp_path, "u.jsonl", '{"id": "a", "text": "one\u2028two"}\n{"id": "b", "text": "x\u0085y\u2029z"}\n')
    r = io.read(p)
    assert r.comments["text"].to_list() == ["one\u2028two", "x\u0085y\u2029z"]
    assert r.quality.files[0].records == 2 and r.quality.files[0].bad_records == 0
