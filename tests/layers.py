#!/usr/bin/env python3
"""
layers.py: the daemon's layers call only downward.

    python3 tests/layers.py SOURCE_ROOT      check SOURCE_ROOT/daemon/
    python3 tests/layers.py --self-test      the negative controls, on fake trees

daemon/ is built in four layers, highest first:

    front   talks to clients (main, the server, connections, requests)
    engine  searches, the trial lifecycle, babysitting, suspend/resume
    part    executors, the store, event fan-out, the pure decisions
    base    small utilities every layer may use (log, lines)

A lower layer reports upward only through callbacks it was given, so it never names a
higher layer's header, function or global. The rules:

 1. Every daemon/ file (*.c, *.h) says where it belongs with a line "Layer: NAME" in its
    header comment (the comments before any code), NAME one of the four. A header only the
    files of its own layer may include (the engine's internal header) says
    "Layer: NAME (private)". A file and its header (pool.c, pool.h) share a layer.
 2. #include "x.h" (quotes; <x.h> is not checked) is looked up as the compiler does: the
    including file's directory, then daemon/, common/, sql/, worker/.
      - a daemon/ header: its layer must not be above the includer's, and a private
        header must be of the includer's own layer;
      - common/ and sql/ (including headers sql/meson.build generates): below every layer;
      - worker/: refused, daemon/ does not compile worker/ code;
      - anywhere else, or nowhere: refused, an unknown header.
 3. Names, a second line of defence: a file must not call or refer to a function or global
    of a higher layer, however it got hold of it (an extern declaration of its own, a
    function pointer). A function's layer is that of the .c file defining it (non-static,
    at file scope); failing that, of the header declaring it; globals are known by their
    extern declarations in daemon/ headers. A call to a name known neither way is
    judged by its prefix, which in this code base is its file's name (conn_send is in
    conn.c). Comments, strings, static names of the file itself, its macros and struct
    members (p->name, p.name) are not references.

One line per violation ("daemon/pool.c:123: calls search_schedule (engine, daemon/search.c)
from a part"), then "layers: N files, M violations"; exit status 1 if M > 0.
"""

import bisect
import os
import re
import sys
import tempfile

LAYERS = ("base", "part", "engine", "front")  # lowest first
RANK = {name: rank for rank, name in enumerate(LAYERS)}
ARTICLE = {"base": "a base", "part": "a part", "engine": "an engine", "front": "a front"}

IDENT = re.compile(r"(?<![\w])[A-Za-z_]\w*")
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)
DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)", re.M)
CALL = re.compile(r"\s*\(")
TAG = re.compile(r"^[ \t/*]*Layer:(.*)$", re.M)
TAG_VALUE = re.compile(r"([a-z]+)(?:[ \t]+\((private)\))?")
SQL_OUTPUT = re.compile(r"output[ \t]*:[ \t]*'([^']+\.h)'")
C_WORDS = {"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
           "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
           "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
           "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool"}


# --- Reading C ------------------------------------------------------------------------------

def blank(text, strings):
    """text with comments (and, if strings, the insides of string and character literals)
    replaced by spaces. Newlines stay, so offsets and line numbers still hold."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            first, last = i, end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            first, last = i, end
        elif text[i] in "\"'":
            end = i + 1
            while end < n and text[end] not in (text[i], "\n"):
                end += 2 if text[end] == "\\" else 1
            end = min(end + 1, n)
            first, last = i + 1, (end - 1 if strings else i + 1)  # the quotes stay
        else:
            i += 1
            continue
        for k in range(first, last):
            if out[k] != "\n":
                out[k] = " "
        i = end
    return "".join(out)


def blank_preprocessor(code):
    """code without its preprocessor lines (continuations included)."""
    lines = code.split("\n")
    inside = False
    for k, line in enumerate(lines):
        if inside or line.lstrip().startswith("#"):
            inside = line.rstrip().endswith("\\")
            lines[k] = " " * len(line)
    return "\n".join(lines)


def top_level(code):
    """(offset, text, terminator) of each piece of file-scope code ending in ';' or '{':
    declarations, definitions' heads. What is between braces is skipped."""
    depth, start = 0, 0
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                yield start, code[start:i], "{"
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
            if depth == 0:
                start = i + 1
        elif c == ";" and depth == 0:
            yield start, code[start:i], ";"
            start = i + 1


def declarations(code):
    """(name, offset, kind, static) of what code declares at file scope: kind "def" for a
    function definition, "decl" for a prototype, "object" for an extern or static object."""
    for start, text, end in top_level(code):
        paren = text.find("(")
        head = text if paren < 0 else text[:paren]
        words = IDENT.findall(head)
        if not words or words[0] == "typedef":
            continue
        static = "static" in words
        if paren >= 0:
            m = re.search(r"([A-Za-z_]\w*)\s*$", head)
            if "=" in head or not m or m.group(1) in C_WORDS or m.group(1).isupper():
                continue  # an initializer, a function pointer, a macro (TAILQ_HEAD)
            yield m.group(1), start + m.start(1), ("def" if end == "{" else "decl"), static
        elif (words[0] == "extern" or static) and end == ";":
            for part in re.finditer(r"[^,=]+(?:=[^,]*)?", head):
                declarator = re.sub(r"\[[^\]]*\]", "", part.group().split("=")[0])
                m = re.search(r"([A-Za-z_]\w*)\s*$", declarator)
                if m and m.group(1) not in C_WORDS:
                    yield m.group(1), start + part.start() + m.start(1), "object", static


# --- A daemon file --------------------------------------------------------------------------

class Source:
    """One daemon/ file: its tag, its includes and its code, read once."""

    def __init__(self, root, rel):
        self.rel = rel
        self.dir = os.path.dirname(os.path.join(root, rel))
        self.stem, ext = os.path.splitext(os.path.basename(rel))
        self.is_header = ext == ".h"
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            self.text = f.read()
        self.newlines = [i for i, c in enumerate(self.text) if c == "\n"]
        self.layer, self.private, self.tag_errors = self.read_tag()
        no_comments = blank(self.text, strings=False)
        self.includes = [(self.line(m.start()), m.group(1)) for m in INCLUDE.finditer(no_comments)]
        self.code = blank(self.text, strings=True)
        self.decls = list(declarations(blank_preprocessor(self.code)))
        self.local = {name for name, _, _, static in self.decls if static}
        self.local |= set(DEFINE.findall(self.code))

    def line(self, offset):
        return bisect.bisect_left(self.newlines, offset) + 1

    def header_comment(self):
        """The comments before the first line of code."""
        code = blank(self.text, strings=False)
        first = len(code) - len(code.lstrip())
        return self.text[:first]

    def read_tag(self):
        """(layer, private, errors) from the "Layer:" line of the header comment."""
        found = list(TAG.finditer(self.header_comment()))
        names = "one of " + ", ".join(LAYERS[::-1])
        if not found:
            return None, False, [(1, f'no "Layer:" line in its header comment ({names})')]
        if len(found) > 1:
            return None, False, [(self.line(found[1].start()), 'more than one "Layer:" line')]
        m = found[0]
        value = m.group(1).strip().removesuffix("*/").strip().rstrip(".")
        v = TAG_VALUE.fullmatch(value)
        where = self.line(m.start())
        if not v or v.group(1) not in RANK:
            return None, False, [(where, f'unknown layer "{value}" ({names}, maybe "(private)")')]
        if v.group(2) and not self.is_header:
            return v.group(1), False, [(where, '"(private)" is for headers only')]
        return v.group(1), bool(v.group(2)), []


class Tree:
    """daemon/ under a source root, and where each name it uses comes from."""

    def __init__(self, root):
        self.root = root
        daemon = os.path.join(root, "daemon")
        if not os.path.isdir(daemon):
            print(f"layers: no directory {daemon}", file=sys.stderr)
            sys.exit(2)
        rels = []
        for top, dirs, files in os.walk(daemon):
            dirs.sort()
            rels += [os.path.relpath(os.path.join(top, f), root)
                     for f in sorted(files) if f.endswith((".c", ".h"))]
        self.files = {rel: Source(root, rel) for rel in rels}
        self.generated = self.sql_generated()
        self.symbols = self.find_symbols()
        self.stems = self.find_stems()
        self.below = self.find_below()

    def sql_generated(self):
        """Headers sql/meson.build generates (not in the source tree)."""
        try:
            with open(os.path.join(self.root, "sql", "meson.build"), encoding="utf-8") as f:
                return set(SQL_OUTPUT.findall(f.read()))
        except OSError:
            return set()

    def find_symbols(self):
        """name -> (layer, file): the functions defined in daemon/ .c files (non-static),
        then those declared in daemon/ headers and the globals declared there extern."""
        symbols = {}
        for src in self.files.values():
            if not src.is_header and src.layer:
                for name, _, kind, static in src.decls:
                    if kind == "def" and not static:
                        symbols.setdefault(name, (src.layer, src.rel))
        for src in self.files.values():
            if src.is_header and src.layer:
                for name, _, kind, static in src.decls:
                    if not static:
                        symbols.setdefault(name, (src.layer, src.rel))
        return symbols

    def find_below(self):
        """The names common/ headers declare: below every layer, whatever their prefix
        (search_status_name is common/status.h's, not daemon/search.c's)."""
        names = set()
        common = os.path.join(self.root, "common")
        for f in sorted(os.listdir(common)) if os.path.isdir(common) else []:
            if f.endswith(".h"):
                with open(os.path.join(common, f), encoding="utf-8", errors="replace") as h:
                    code = blank(h.read(), strings=True)
                names |= {name for name, _, _, _ in declarations(blank_preprocessor(code))}
        return names

    def find_stems(self):
        """file name -> layer, for judging calls by their prefix (a .c over its header)."""
        stems = {}
        for src in sorted(self.files.values(), key=lambda s: s.is_header):
            if src.layer:
                stems.setdefault(src.stem, src.layer)
        return stems

    def resolve(self, src, name):
        """Where #include "name" in src leads: ("daemon", its Source), ("below", path) for
        common/ and sql/, ("worker", path), or ("unknown", path or None)."""
        for base in (src.dir, os.path.join(self.root, "daemon"), os.path.join(self.root, "common"),
                     os.path.join(self.root, "sql"), os.path.join(self.root, "worker")):
            path = os.path.normpath(os.path.join(base, name))
            if not os.path.isfile(path):
                continue
            rel = os.path.relpath(path, self.root)
            top = rel.split(os.sep)[0]
            if top == "daemon" and rel in self.files:
                return "daemon", self.files[rel]
            if top in ("common", "sql"):
                return "below", rel
            if top == "worker":
                return "worker", rel
            return "unknown", rel
        if os.path.basename(name) in self.generated:
            return "below", "sql/" + name
        return "unknown", None

    # --- The rules --------------------------------------------------------------------------

    def check(self):
        """Every violation, as "file:line: message", in file and line order."""
        found = []
        for src in self.files.values():
            found += [(src.rel, line, msg) for line, msg in src.tag_errors]
            found += [(src.rel, line, msg) for line, msg in self.check_pair(src)]
            found += [(src.rel, line, msg) for line, msg in self.check_includes(src)]
            found += [(src.rel, line, msg) for line, msg in self.check_names(src)]
        return [f"{rel}:{line}: {msg}" for rel, line, msg in sorted(set(found))]

    def check_pair(self, src):
        """A header shares its .c file's layer."""
        other = self.files.get(os.path.join(os.path.dirname(src.rel), src.stem + ".c"))
        if src.is_header and other and src.layer and other.layer and src.layer != other.layer:
            yield (1, f"layer {src.layer}, but {other.rel} is {other.layer}: "
                      "a file and its header share a layer")

    def check_includes(self, src):
        for line, name in src.includes:
            kind, target = self.resolve(src, name)
            if kind == "worker":
                yield line, f"includes {name} from worker/: daemon/ does not compile worker/ code"
            elif kind == "unknown":
                where = f" ({target})" if target else ""
                yield line, f"includes {name}{where}: not a header of daemon/, common/ or sql/"
            elif kind == "daemon" and src.layer and target.layer:
                private = ", private" if target.private else ""
                what = f"includes {name} ({target.layer}{private}) from {ARTICLE[src.layer]}"
                if RANK[target.layer] > RANK[src.layer]:
                    yield line, what
                elif target.private and target.layer != src.layer:
                    yield line, what + f": only {target.layer} files may include it"

    def check_names(self, src):
        """Calls and references to a higher layer's functions and globals: one line per
        name, at its first use, with the lines of the others."""
        if not src.layer:
            return
        uses = {}
        for line, name, called, layer, where in self.upward_names(src):
            verb = "calls" if called else "refers to"
            key = (name, verb, layer, where)
            if key in uses:
                uses[key].append(line)
            else:
                uses[key] = [line]
        for (name, verb, layer, where), lines in uses.items():
            also = sorted(set(lines[1:]) - {lines[0]})
            more = f" (also line{'s' if len(also) > 1 else ''} {', '.join(map(str, also))})"
            more = more if also else ""
            yield lines[0], f"{verb} {name} ({layer}, {where}) from {ARTICLE[src.layer]}{more}"

    def upward_names(self, src):
        """(line, name, called, layer, where) of each use of a higher layer's name."""
        own = {offset for _, offset, _, _ in src.decls}
        bodies = aggregate_bodies(src.code)
        for m in IDENT.finditer(src.code):
            name = m.group()
            if name in src.local or m.start() in own or name in self.below:
                continue
            called = CALL.match(src.code, m.end()) is not None
            if name in self.symbols:
                layer, where = self.symbols[name]
            elif called and self.prefix_layer(name):
                layer, where = self.prefix_layer(name), "by its prefix"
            else:
                continue
            if (RANK[layer] <= RANK[src.layer] or is_member(src.code, m.start())
                    or any(start <= m.start() < end for start, end in bodies)):
                continue
            yield src.line(m.start()), name, called, layer, where

    def prefix_layer(self, name):
        """The layer of the daemon file whose name prefixes name (longest first), or None."""
        stems = [s for s in self.stems if name.startswith(s + "_")]
        return self.stems[max(stems, key=len)] if stems else None


def aggregate_bodies(code):
    """(start, end) of each struct, union and enum body: what is declared there is a member
    or a constant, not a reference."""
    bodies = []
    for m in re.finditer(r"\b(?:struct|union|enum)(?:\s+[A-Za-z_]\w*)?\s*\{", code):
        depth = 0
        for i in range(m.end() - 1, len(code)):
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            if depth == 0:
                break
        bodies.append((m.end(), i))
    return bodies


def is_member(code, offset):
    """Whether the identifier at offset follows "." or "->" (a struct member)."""
    i = offset - 1
    while i >= 0 and code[i].isspace():
        i -= 1
    return code[i] == "." or code[i - 1:i + 1] == "->"


def run(root):
    tree = Tree(root)
    violations = tree.check()
    for v in violations:
        print(v)
    print(f"layers: {len(tree.files)} files, {len(violations)} violations")
    return 1 if violations else 0


# --- Negative controls ----------------------------------------------------------------------

def header(name, layer):
    return f"/*\n * {name}: a fake daemon file.\n * Layer: {layer}\n */\n"


# A clean fake tree: every kind of allowed use, and things that look like violations but are
# not (a comment or a string naming an engine function, a struct member, a static helper and
# a static variable of the same name as an engine function or global, a callback given from
# above, a system header named like a worker header, a common/ function whose prefix is an
# engine file's name).
CLEAN = {
    "common/xmalloc.h": "void *xmalloc(unsigned long n);\n",
    "common/status.h": "const char *search_status_name(int s);\n",
    "worker/dataset.h": "int dataset_open(const char *path);\n",
    "sql/meson.build": "sql_schema_h = custom_target('s', output : 'sql_schema.h')\n",
    "daemon/log.h": header("log.h", "base") + "void log_info(const char *fmt, ...)\n"
                    "    __attribute__((format(printf, 1, 2)));\n",
    "daemon/log.c": header("log.c", "base") + '#include <stdio.h>\n#include "log.h"\n\n'
                    "void\nlog_info(const char *fmt, ...)\n{\n\t(void)fmt;\n}\n",
    "daemon/store.h": header("store.h", "part") + "struct store;\n"
                      "int store_open(struct store **st, const char *path,\n    char **cause);\n",
    "daemon/store.c": header("store.c", "part") +
                      '#include "log.h"\n#include "sql_schema.h"\n#include "status.h"\n'
                      '#include "store.h"\n#include "xmalloc.h"\n\nstatic int search_count;\n\n'
                      "int\nstore_open(struct store **st, const char *path, char **cause)\n"
                      "{\n\tlog_info(\"%s\", path);\n\tsearch_count++;\n"
                      "\tlog_info(\"%s\", search_status_name(0));\n"
                      "\treturn st && cause ? 0 : -1;\n}\n",
    "daemon/pool.h": header("pool.h", "part") + '#include "log.h"\n\n'
                     "typedef void (*pool_done_fn)(void *arg, int status);\n"
                     "int pool_start(pool_done_fn done, void *arg);\n",
    "daemon/pool.c": header("pool.c", "part") + '#include "pool.h"\n\n'
                     "struct hooks { void (*search_schedule)(void); };\n\n"
                     "static void\nsearch_like(void)\n{\n}\n\n"
                     "int\npool_start(pool_done_fn done, void *arg)\n{\n"
                     "\tstruct hooks h = { 0 }, *hp = &h;\n\n"
                     "\t/* the engine's search_schedule() runs next */\n"
                     '\tlog_info("not search_schedule(%d)", 1);\n'
                     "\tif (hp->search_schedule)\n\t\th.search_schedule();\n"
                     "\tsearch_like();\n\tdone(arg, 0);\n\treturn 0;\n}\n",
    "daemon/engine.h": header("engine.h", "engine (private)") + "struct engine { int n; };\n",
    "daemon/search.h": header("search.h", "engine") + "extern int search_count;\n"
                       "void search_schedule(void);\nvoid search_start(void);\n",
    "daemon/search.c": header("search.c", "engine") +
                       '#include "engine.h"\n#include "pool.h"\n#include "search.h"\n'
                       '#include "store.h"\n\nint search_count;\n\n'
                       "static void\nsearch_done(void *arg, int status)\n{\n"
                       "\t(void)arg;\n\t(void)status;\n}\n\n"
                       "void\nsearch_schedule(void)\n{\n\tpool_start(search_done, NULL);\n}\n\n"
                       "void\nsearch_start(void)\n{\n\tstruct store *st;\n\n"
                       "\tstore_open(&st, \"x\", NULL);\n\tsearch_schedule();\n}\n",
    "daemon/conn.h": header("conn.h", "front") + "void conn_accept(void);\n",
    "daemon/conn.c": header("conn.c", "front") + '#include <dataset.h>\n#include "conn.h"\n'
                     '#include "log.h"\n#include "search.h"\n\n'
                     "void\nconn_accept(void)\n{\n\tsearch_start();\n"
                     '\tlog_info("%d", search_count);\n}\n',
    "daemon/main.c": header("main.c", "front") + '#include "conn.h"\n\n'
                     "int\nmain(void)\n{\n\tconn_accept();\n\treturn 0;\n}\n",
}

# (what, edits, what must be reported): each edit is (path, old, new) on CLEAN, old "" to
# write a new file. Each case must report exactly its messages, one violation each.
CASES = [
    ("a part includes an engine header",
     [("daemon/pool.c", '#include "pool.h"\n', '#include "pool.h"\n#include "search.h"\n')],
     ["daemon/pool.c:6: includes search.h (engine) from a part"]),
    ("a part calls an engine function through an extern declaration, no header",
     [("daemon/pool.c", "struct hooks", "void search_schedule(void);\n\nstruct hooks"),
      ("daemon/pool.c", "\tsearch_like();", "\tsearch_schedule();")],
     ["daemon/pool.c:25: calls search_schedule (engine, daemon/search.c) from a part"]),
    ("a part calling an engine function twice: one violation, with both lines",
     [("daemon/pool.c", "struct hooks", "void search_schedule(void);\n\nstruct hooks"),
      ("daemon/pool.c", "\tsearch_like();", "\tsearch_schedule();\n\tsearch_schedule();")],
     ["daemon/pool.c:25: calls search_schedule (engine, daemon/search.c) from a part "
      "(also line 26)"]),
    ("a part takes an engine function as a callback",
     [("daemon/pool.c", "\tdone(arg, 0);", "\th.search_schedule = search_schedule;")],
     ["daemon/pool.c:24: refers to search_schedule (engine, daemon/search.c) from a part"]),
    ("a part uses an engine global through its own extern",
     [("daemon/pool.c", "struct hooks", "extern int search_count;\n\nstruct hooks"),
      ("daemon/pool.c", "\tdone(arg, 0);", "\tdone(arg, search_count);")],
     ["daemon/pool.c:26: refers to search_count (engine, daemon/search.h) from a part"]),
    ("a base calls a part function known only by its prefix",
     [("daemon/log.c", "\t(void)fmt;", "\tstore_secret(fmt);")],
     ["daemon/log.c:11: calls store_secret (part, by its prefix) from a base"]),
    ("a part header includes a front header",
     [("daemon/pool.h", '#include "log.h"\n', '#include "conn.h"\n#include "log.h"\n')],
     ["daemon/pool.h:5: includes conn.h (front) from a part"]),
    ("a file without a tag",
     [("daemon/box.c", "", "/* box.c: no tag. */\nint box_n;\n")],
     ['daemon/box.c:1: no "Layer:" line in its header comment (one of front, engine, part, base)']),
    ("a tag after the header comment does not count",
     [("daemon/box.c", "", "/* box.c */\nint box_n;\n/* Layer: part */\n")],
     ['daemon/box.c:1: no "Layer:" line']),
    ("an unknown layer",
     [("daemon/box.c", "", header("box.c", "middle"))],
     ['daemon/box.c:3: unknown layer "middle"']),
    ("a private .c file",
     [("daemon/box.c", "", header("box.c", "part (private)"))],
     ['daemon/box.c:3: "(private)" is for headers only']),
    ("a front includes a private engine header",
     [("daemon/conn.c", '#include "conn.h"\n', '#include "conn.h"\n#include "engine.h"\n')],
     ["daemon/conn.c:7: includes engine.h (engine, private) from a front: only engine files"]),
    ("a daemon file includes worker's dataset.h",
     [("daemon/conn.c", "#include <dataset.h>\n", '#include "dataset.h"\n')],
     ["daemon/conn.c:5: includes dataset.h from worker/: daemon/ does not compile worker/ code"]),
    ("an unknown header",
     [("daemon/conn.c", '#include "conn.h"\n', '#include "conn.h"\n#include "nosuch.h"\n')],
     ["daemon/conn.c:7: includes nosuch.h: not a header of daemon/, common/ or sql/"]),
    ("a file and its header in different layers",
     [("daemon/pool.h", "Layer: part", "Layer: base")],
     ["daemon/pool.h:1: layer base, but daemon/pool.c is part: a file and its header share"]),
]


def make_tree(root, edits):
    files = dict(CLEAN)
    for path, old, new in edits:
        if old:
            assert old in files[path], f"self-test: {old!r} not in {path}"
            files[path] = files[path].replace(old, new, 1)
        else:
            files[path] = new
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w", encoding="utf-8") as f:
            f.write(text)


def self_test():
    failures = 0
    for what, edits, expected in [("a clean tree", [], [])] + CASES:
        with tempfile.TemporaryDirectory(prefix="layers-") as root:
            make_tree(root, edits)
            got = Tree(root).check()
        ok = len(got) == len(expected) and all(
            any(g.startswith(e) for g in got) for e in expected)
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures += 1
            for line in expected:
                print(f"       expected: {line}")
            for line in got:
                print(f"       got:      {line}")
    print(f"layers self-test: {len(CASES) + 1} trees, {failures} failed")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    return run(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
