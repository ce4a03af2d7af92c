"""Scripts and stylesheets as served: without comments and spaces, and otherwise the very same program.

A real parser is the judge, not slim.py's own reading: tree-sitter (the parser GitHub and editors use) parses each
file of static/ and its slimmed copy, and the two trees must be the same node for node, with every leaf's text and
line. A regular expression read as a division, a template read as code, or a space lost inside a string would each
give another tree; a lost line break would move a leaf to another line. The browser tests run the copies.
"""
from pathlib import Path

import pytest
import tree_sitter_css
import tree_sitter_javascript
from tree_sitter import Language, Parser

from fieldnotes import slim
from fieldnotes.pwa import shell_files

STATIC = Path(__file__).resolve().parent.parent / "static"
JAVASCRIPT = Parser(Language(tree_sitter_javascript.language()))
CSS = Parser(Language(tree_sitter_css.language()))
# Leaves whose text is the program's data, kept whole: what sits inside a string, a template or a regex.
DATA = {"string_fragment", "regex_pattern"}


def tree(parser, text):
    """Every node but comments, in order: its type, and for a leaf its text and line. Fails on a parse error."""
    root = parser.parse(text.encode()).root_node
    nodes, todo = [], [root]
    while todo:
        node = todo.pop()
        assert node.type != "ERROR" and not node.is_missing, (node.start_point, text[:200])
        if node.type == "comment":
            continue
        if node.child_count == 0 or node.type in DATA:
            nodes.append((node.type, node.text, node.start_point.row))
        else:
            nodes.append((node.type,))
            todo.extend(reversed(node.children))
    return nodes


def same_program(parser, source, copy):
    assert tree(parser, copy) == tree(parser, source)


SCRIPTS = sorted(STATIC.rglob("*.js"))
STYLESHEETS = sorted(STATIC.rglob("*.css"))
LANGUAGES = {".js": (JAVASCRIPT, slim.javascript), ".css": (CSS, slim.css)}


@pytest.mark.parametrize("path", SCRIPTS + STYLESHEETS, ids=lambda path: path.name)
def test_each_script_and_stylesheet_is_served_as_the_same_program_line_for_line(path):
    parser, slimmed = LANGUAGES[path.suffix]
    source = path.read_text()
    copy = slimmed(source)
    same_program(parser, source, copy)
    assert copy.count("\n") == source.count("\n")


def test_every_file_of_static_is_judged_and_the_copies_are_smaller():
    # Judged: the capture screen's every module and the workers, however many files the front end is cut into.
    workers = {STATIC / "sw.js", STATIC / "sw-sync.js"}
    served = {STATIC / name for name in shell_files(STATIC) if name.endswith(".js")} | workers
    assert len(served) > 20 and served <= set(SCRIPTS) and len(STYLESHEETS) >= 2
    scripts = [path.read_text() for path in SCRIPTS]
    assert sum(map(len, map(slim.javascript, scripts))) < 0.8 * sum(map(len, scripts))
    stylesheets = [path.read_text() for path in STYLESHEETS]
    assert sum(map(len, map(slim.css, stylesheets))) < 0.9 * sum(map(len, stylesheets))


# What a minifier that does not parse gets wrong: each is the source, then exactly what is served.
JAVASCRIPT_CASES = [
    # a template inside a template, holding what looks like a comment (rjsmin cut the line here)
    ('const a = `<p>${x ? `<a href="//example.org">${y}</a>` : ""}</p>`; // link\n',
     'const a=`<p>${x?`<a href="//example.org">${y}</a>`:""}</p>`;\n'),
    ("const m = `  two  spaces ${ a  +  b }  kept `;\n", "const m=`  two  spaces ${a+b}  kept `;\n"),
    ('const r = /\\/\\/ "x" [/*]/g.test(s) / 2;\n', 'const r=/\\/\\/ "x" [/*]/g.test(s)/2;\n'),
    ("if (/ a/ instanceof RegExp) return / b/;\n", "if(/ a/ instanceof RegExp)return/ b/;\n"),
    ('const s = "a /* not a comment */ b" + \'c // d\';\n', 'const s="a /* not a comment */ b"+\'c // d\';\n'),
    ("x = a - -b + +c - --d;\n", "x=a- -b+ +c- --d;\n"),
    ("y = a-- > b;\n", "y=a-- >b;\n"),
    ("z = 1 .toFixed(2);\n", "z=1 .toFixed(2);\n"),
    ("const { a, b } = await import ( './x.js' );\n", "const{a,b}=await import('./x.js');\n"),
    ("let n = a\n/* one\n   two */\n(b);\n", "let n=a\n\n\n(b);\n"),
    ("return a /* why */ + b;\n", "return a+b;\n"),
    ("\t\tindented();   \n\n", "indented();\n\n"),
    ("q = a ?? b?.c ? .5 : 1e-3;\n", "q=a??b?.c?.5:1e-3;\n"),
    ("w = \"\\\"\" + '\\'' + `\\`${t}\\``;\n", "w=\"\\\"\"+'\\''+`\\`${t}\\``;\n"),
]


@pytest.mark.parametrize("source, served", JAVASCRIPT_CASES)
def test_javascript_that_trips_a_minifier_is_served_whole(source, served):
    assert slim.javascript(source) == served
    same_program(JAVASCRIPT, source, served)


CSS_CASES = [
    ("a :hover, b > c {\n  color : red ; /* why */\n}\n", "a :hover,b>c{\ncolor :red;\n}\n"),
    ('p::before { content: "/* kept */ a  b"; width: calc(1px + 2px); }\n',
     'p::before{content:"/* kept */ a  b";width:calc(1px + 2px);}\n'),
    ("/* a\n   b */\n.x { background: url(//example.org/a.png) }\n", "\n\n.x{background:url(//example.org/a.png)}\n"),
]


@pytest.mark.parametrize("source, served", CSS_CASES)
def test_css_keeps_the_spaces_that_mean_something(source, served):
    assert slim.css(source) == served
    same_program(CSS, source, served)
