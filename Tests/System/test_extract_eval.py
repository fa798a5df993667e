"""`contact-sync extract eval`: precision and recall per field and language over a corpus, and its exit status."""
import json
import os
import subprocess

from support import BIN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "Tests", "Corpus", "extraction")


def evaluate(*args, cwd=ROOT):
    return subprocess.run([BIN, "extract", "eval", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def transcript(id, messages, expected, language="en"):
    return json.dumps({"id": id, "language": language, "channel": "text", "country": "US", "messages": messages, "expected": expected})


def test_the_corpus_meets_the_floors_in_every_language():
    result = evaluate("--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert report["transcripts"] >= 200
    assert set(report["languages"]) == {"en", "es", "pt", "fr", "de", "id"}
    assert set(report["channels"]) == {"text", "voice"}
    fields = {(score["field"], score["language"]) for score in report["scores"]}
    assert fields == {(field, language) for field in ("email", "phone", "first_name", "last_name") for language in report["languages"]}
    for score in report["scores"]:
        assert score["precision"] == 1.0, score
        assert score["recall"] >= 0.95, score
    # The table says the same, from the default corpus.
    table = evaluate()
    assert table.returncode == 0
    assert "Every field in every language meets precision 100.0% and recall 95.0%." in table.stdout


def test_a_corpus_below_the_floors_fails_and_names_the_mistakes(tmp_path):
    (tmp_path / "en.jsonl").write_text("\n".join([
        transcript("wrong", [["customer", "mail me at a@b.example"]], {"email": "c@d.example"}),
        transcript("right", [["agent", "And a phone number?"], ["customer", "sure, (415) 555-0142"]], {"phone": "+14155550142"}),
    ]) + "\n")
    result = evaluate("--corpus", str(tmp_path))
    assert result.returncode == 1
    assert "wrong email: expected c@d.example, found a@b.example" in result.stdout
    assert "Below precision 100.0% or recall 95.0%: email in en" in result.stdout
    report = json.loads(evaluate("--corpus", str(tmp_path), "--json").stdout)
    assert report["passed"] is False
    phone = next(score for score in report["scores"] if score["field"] == "phone")
    assert (phone["expected"], phone["extracted"], phone["correct"]) == (1, 1, 1)


def test_a_malformed_corpus_is_refused_with_its_line(tmp_path):
    (tmp_path / "bad.jsonl").write_text(transcript("ok", [["customer", "hi"]], {}) + "\n" + '{"id": "x"}\n')
    result = evaluate("--corpus", str(tmp_path))
    assert result.returncode != 0
    assert "bad.jsonl:2" in result.stderr
    missing = evaluate("--corpus", str(tmp_path / "nowhere"))
    assert missing.returncode != 0
    assert "No corpus at" in missing.stderr
