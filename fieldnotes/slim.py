"""JavaScript and CSS as a phone downloads them: comments and the spaces the language does not need left out.

A third of the capture screen's first load was comments and indentation (issue 11: the screen and its recorder
came to 67 kB against a 60 kB budget). This is not a minifier: it renames nothing and keeps every line where it
was, so a stack trace or a console message points at the very line of the source in static/. Only these go:
  - comments (a comment over several lines leaves its line breaks behind);
  - spaces at the start and end of a line, and between two tokens unless they would run together;
  - and nothing inside a string, a template literal, a regular expression or a CSS string.
rjsmin, what django-compressor uses, would do the same, but it reads `${x ? `<b>` : ""}` (a template inside a
template, in nine of our modules) as code; esbuild and terser parse JavaScript but are a Node or Go build step.
tests/test_slim.py holds every file of static/ to this: tree-sitter's parse of the copy is its parse of the source,
node for node, each token on its line; and the browser tests run the copies.
"""
import hashlib
import re
from pathlib import Path

# Part of every slimmed file's fingerprint (assets.py): a change here renames the copies, so a copy made by an
# older slim.py is never served under a name it did not earn. Its own source, not a number someone must bump.
VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12].encode()

WORD = re.compile(r"[\w$\\\u0080-\uffff]")
SPACE = " \t\f\v\r\u00a0\ufeff"
# A "/" here starts a regular expression, not a division: after these words, or after a punctuator but ) ] }.
BEFORE_EXPRESSION = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do",
                     "else", "yield", "await", "extends"}
# Two characters that, once their space is gone, would read as another token: a+ +b, a- -b, a/ /re/, a/ *b,
# 1 .toFixed(), /re/ in x (flags), and <!-- and --> (comments to a classic script such as the worker's).
RUN_TOGETHER = {"++", "--", "//", "/*", "<!", "->"}
NAME = re.compile(r"(?:[\w$\u0080-\uffff]|\\u[0-9A-Fa-f{}]+)+")


def javascript(source):
    """The source with comments and unneeded spaces left out, line for line."""
    return _JavaScript(source).text()


class _JavaScript:
    def __init__(self, source):
        self.source, self.at, self.out = source, 0, []
        self.spaced = False          # whitespace or a comment since the last token, on this line
        self.regex_allowed = True    # would a "/" here start a regular expression?
        self.braces = 0              # depth of { } in code
        self.templates = []          # the brace depth at each open ${ (templates nest)
        self.after_regex = False     # was the last token a regular expression (whose flags a name would join)?

    def text(self):
        source = self.source
        while self.at < len(source):
            char = source[self.at]
            if char == "\n":
                self.newline()
            elif char in SPACE:
                self.spaced, self.at = True, self.at + 1
            elif source.startswith("//", self.at):
                end = source.find("\n", self.at)
                self.spaced, self.at = True, len(source) if end < 0 else end
            elif source.startswith("/*", self.at):
                self.block_comment()
            elif char in "\"'":
                self.token(self.quoted(char), regex_after=False)
            elif char == "`":
                self.template()
            elif char == "/" and self.regex_allowed:
                self.token(self.regex(), regex_after=False)
                self.after_regex = True
            elif WORD.match(char):
                self.word()
            else:
                self.punctuator(char)
        return "".join(self.out)

    def newline(self):
        self.out.append("\n")  # kept, every one: the copy's line numbers are the source's
        self.spaced, self.at = False, self.at + 1

    def block_comment(self):
        end = self.source.find("*/", self.at + 2)
        end = len(self.source) if end < 0 else end + 2
        breaks = self.source.count("\n", self.at, end)
        self.out.append("\n" * breaks)  # a comment with a line break is a line break to JavaScript (ASI)
        self.spaced = self.spaced or not breaks
        self.at = end

    def token(self, text, regex_after):
        previous = self.last_char()
        if self.spaced and previous and previous != "\n" and needs_space(previous, text[0], self.after_regex):
            self.out.append(" ")
        self.out.append(text)
        self.spaced, self.regex_allowed, self.after_regex = False, regex_after, False

    def last_char(self):
        for piece in reversed(self.out):
            if piece:
                return piece[-1]
        return ""

    def quoted(self, quote):
        source, at = self.source, self.at + 1
        while at < len(source) and source[at] != quote:
            at += 2 if source[at] == "\\" else 1
        text, self.at = source[self.at:at + 1], at + 1
        return text

    def regex(self):
        source, at, in_class = self.source, self.at + 1, False
        while at < len(source) and source[at] != "\n":
            char = source[at]
            if char == "\\":
                at += 1
            elif char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif char == "/" and not in_class:
                break
            at += 1
        at += 1
        while at < len(source) and WORD.match(source[at]):  # flags
            at += 1
        text, self.at = source[self.at:at], at
        return text

    def template(self, continues=False):
        """A template's text, kept as written: from its backtick (or from the } that closes a ${ in it) to its
        closing backtick or its next ${."""
        source, at = self.source, self.at + 1
        while at < len(source) and source[at] != "`" and not source.startswith("${", at):
            at += 2 if source[at] == "\\" else 1
        opens = source.startswith("${", at)
        end = at + 2 if opens else at + 1
        if continues:  # no space before it: that } was part of the literal
            self.out.append(source[self.at:end])
            self.spaced, self.regex_allowed, self.after_regex = False, opens, False
        else:
            self.token(source[self.at:end], regex_after=opens)
        self.at = end
        if opens:
            self.templates.append(self.braces)

    def word(self):
        """A name, a keyword or a number (1.5 and 1e-5 come as pieces, written as they were)."""
        match = NAME.match(self.source, self.at)
        if match is None:
            self.punctuator(self.source[self.at])
            return
        text = match.group()
        self.at += len(text)
        self.token(text, regex_after=text in BEFORE_EXPRESSION)

    def punctuator(self, char):
        if char == "}" and self.templates and self.templates[-1] == self.braces:
            self.templates.pop()
            self.template(continues=True)
            return
        if char == "{":
            self.braces += 1
        elif char == "}":
            self.braces -= 1
        self.at += 1
        self.token(char, regex_after=char not in ")]}")


def needs_space(before, after, after_regex=False):
    if WORD.match(before) and WORD.match(after):
        return True
    if after_regex and WORD.match(after):  # /re/ in x, not the flags "in"
        return True
    if before.isdigit() and after == ".":
        return True
    return before + after in RUN_TOGETHER


CSS_TOKEN = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(/\*.*?\*/)|(\n)|([ \t\f\r]+)|([^"'/\s]+|/)""",
                       re.DOTALL)
# Spaces beside these carry no meaning in a stylesheet; beside anything else (a b, a :hover, 1px + 2px) they do.
CSS_CLOSE = set("{};,>")
# Nor after a colon: "color: red" in a declaration; in a selector a pseudo-class's name follows its colon at once.
CSS_OPEN = CSS_CLOSE | {":"}


def css(source):
    """The stylesheet with comments and unneeded spaces left out, line for line."""
    out, spaced = [], False
    for match in CSS_TOKEN.finditer(source):
        string, comment, newline, space, other = match.groups()
        if newline:  # kept, every one, as in scripts; a space is only ever written before a token
            out.append("\n")
            spaced = False
        elif space:
            spaced = True
        elif comment:
            breaks = comment.count("\n")
            if breaks:
                out.append("\n" * breaks)
            spaced = spaced or not breaks
        else:
            text = string or other
            previous = out[-1][-1] if out and out[-1] else ""
            if spaced and previous not in ("", "\n") and previous not in CSS_OPEN and text[0] not in CSS_CLOSE:
                out.append(" ")
            out.append(text)
            spaced = False
    return "".join(out)
