"""Man page tests: ossfs(1) documents every option the parser accepts, with the defaults `ossfs --help` shows,
and every man page renders without a groff warning.

Run from the repository root:  python3 -m pytest Tests/cli/test_man_pages.py
ossfs is built with `swift build --product ossfs` unless OSSFS_BIN names a binary.
Three views of the options are compared: ossfs(1), `ossfs --help` (generated from the parser's table), and the
table's source (Sources/OSSFS/Options/OptionTable.swift); and the built parser is asked about every name.
"""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MAN = os.path.join(REPO, "man")
OPTION_TABLE = os.path.join(REPO, "Sources", "OSSFS", "Options", "OptionTable.swift")
PAGES = ["ossfs.1", "mount.ossfs.8", "ossfs-passwd.1"]
# Options ossfs 1.x removed; ossfs(1) names them in their own subsection, and ossfs refuses them.
REMOVED_GROUP = "Removed"
REMOVED = {"accessKeyId", "secretAccessKey"}


@pytest.fixture(scope="session")
def ossfs():
    given = os.environ.get("OSSFS_BIN")
    if given:
        return given
    subprocess.run(["swift", "build", "--product", "ossfs"], cwd=REPO, check=True)
    bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True,
                             capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_dir, "ossfs")


# --- what --help says ---------------------------------------------------------------------------------------

HELP_TOKEN = r"[a-z0-9_]+(?:=[^\s,]+|\[=[^\s,]+\])?"


def parse_token(token):
    """`name`, `name=ARG` or `name[=ARG]` -> (name, argument form: None, ("=", ARG) or ("[=", ARG))."""
    m = re.fullmatch(r"([A-Za-z0-9_]+)(?:=(\S+)|\[=(\S+)\])?", token)
    assert m, f"not an option token: {token!r}"
    name, required, optional = m.groups()
    if required:
        return name, ("=", required)
    if optional:
        return name, ("[=", optional)
    return name, None


def help_options(ossfs):
    """[(group, [(name, argument)], default or None)] in --help's order."""
    result = subprocess.run([ossfs, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "Options (-o):\n" in result.stdout
    entries = []
    group = None
    for line in result.stdout.split("Options (-o):\n", 1)[1].splitlines():
        if not line.strip():
            continue
        if re.match(r"^  \S", line):
            group = line.strip().rstrip(":")
            continue
        m = re.match(r"^    (" + HELP_TOKEN + r"(?:, " + HELP_TOKEN + r")*)\s+(.*)$", line)
        assert m, f"unparsable --help line: {line!r}"
        left, text = m.groups()
        d = re.search(r" \(default: (.*)\)$", text)
        entries.append((group, [parse_token(t) for t in left.split(", ")], d.group(1) if d else None))
    assert len(entries) > 50, "--help lists suspiciously few options"
    return entries


# --- what ossfs(1) says -------------------------------------------------------------------------------------

def unroff(text):
    """The characters a reader sees for a line of man(7) source (the escapes ossfs(1) uses)."""
    text = re.sub(r"\\f[BIRP]", "", text)
    return (text.replace("\\-", "-").replace("\\(>=", "≥").replace("\\(aq", "'").replace("\\e", "\\")
            .replace("\\&", ""))


def man_options():
    """[(group, [(name, argument)], default or None, description)] from ossfs(1)'s OPTIONS section."""
    with open(os.path.join(MAN, "ossfs.1")) as f:
        lines = f.read().splitlines()
    start = lines.index(".SH OPTIONS")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(".SH "))
    entries = []
    group = None
    i = start + 1
    while i < end:
        line = lines[i]
        if line.startswith(".SS "):
            group = unroff(line[4:]).strip('"')
        elif line == ".TP" and group is not None:
            tag = unroff(lines[i + 1])
            body = []
            j = i + 2
            while j < end and not lines[j].startswith((".TP", ".SS", ".SH")):
                body.append(unroff(lines[j]))
                j += 1
            description = " ".join(body)
            d = re.search(r"Default: (.*)\.$", description)
            tokens = [t.strip() for t in tag.split(", ")]
            entries.append((group, [parse_token(t.rstrip("=")) if t.endswith("=") else parse_token(t)
                                    for t in tokens], d.group(1) if d else None, description))
            i = j
            continue
        i += 1
    return entries


def table_source_names():
    """Option names in the parser's table source: the names of every flag/value/fuse/noEffect/unsupported
    entry and every OptionSpec(names:)."""
    with open(OPTION_TABLE) as f:
        source = f.read()
    names = set()
    for array in re.findall(r"\b(?:flag|value|noEffect|unsupported)\(\s*\[([^\]]*)\]", source):
        names.update(re.findall(r'"([^"]+)"', array))
    for array in re.findall(r"OptionSpec\(names:\s*\[([^\]]*)\]", source):
        names.update(re.findall(r'"([^"]+)"', array))
    names.update(re.findall(r'\bfuse\("([^"]+)"', source))
    assert len(names) > 50, "the table source no longer has the shape this test reads"
    return names


# --- tests --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_man_page_renders_without_warnings(page):
    if not shutil.which("groff"):
        pytest.skip("groff is not installed (apt-get install groff-base)")
    result = subprocess.run(["groff", "-ww", "-man", "-z", os.path.join(MAN, page)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr


@pytest.mark.parametrize("page", PAGES)
def test_man_page_renders_for_a_60_column_terminal_without_warnings(page):
    if not shutil.which("groff"):
        pytest.skip("groff is not installed")
    result = subprocess.run(["groff", "-ww", "-man", "-Tutf8", "-rLL=60n", "-P-cbou", os.path.join(MAN, page)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "NAME" in result.stdout and "SEE ALSO" in result.stdout


def test_every_option_in_help_is_in_the_man_page_with_the_same_argument_and_default(ossfs):
    in_man = {}
    for group, tokens, default, _ in man_options():
        for name, argument in tokens:
            assert name not in in_man, f"ossfs(1) lists {name} twice"
            in_man[name] = (group, argument, default)
    in_help = {}
    for group, tokens, default in help_options(ossfs):
        for name, argument in tokens:
            in_help[name] = (group, argument, default)
    missing = sorted(set(in_help) - set(in_man))
    assert not missing, f"options in ossfs --help but not in ossfs(1): {missing}"
    extra = sorted(n for n in set(in_man) - set(in_help) if in_man[n][0] != REMOVED_GROUP)
    assert not extra, f"options in ossfs(1) that ossfs --help does not list: {extra}"
    for name, (group, argument, default) in in_help.items():
        assert in_man[name] == (group, argument, default), \
            f"{name}: ossfs(1) says {in_man[name]}, ossfs --help says {(group, argument, default)}"


def test_the_man_page_keeps_the_help_groups_in_order(ossfs):
    help_groups = list(dict.fromkeys(group for group, _, _ in help_options(ossfs)))
    man_groups = list(dict.fromkeys(group for group, _, _, _ in man_options()))
    assert man_groups == help_groups + [REMOVED_GROUP]


def test_every_option_of_the_table_source_is_documented(ossfs):
    documented = {name for _, tokens, _, _ in man_options() for name, _ in tokens}
    missing = sorted(table_source_names() - documented)
    assert not missing, f"options in OptionTable.swift but not in ossfs(1): {missing}"


def test_the_parser_knows_every_documented_option_and_refuses_the_removed_ones(ossfs):
    """Ask the built parser about each name in ossfs(1): known names fail later (at the missing mount point),
    never as unknown options."""
    missing_dir = os.path.join(tempfile.gettempdir(), "ossfs-man-test-no-such-dir")
    assert not os.path.exists(missing_dir)
    for group, tokens, _, _ in man_options():
        for name, argument in tokens:
            option = name if argument is None else f"{name}=1"
            result = subprocess.run([ossfs, "man-page-check", missing_dir, "-o", option],
                                    capture_output=True, text=True, timeout=30)
            assert result.returncode != 0
            if group == REMOVED_GROUP:
                assert f"option {name} is no longer supported." in result.stderr
            else:
                assert "unknown option" not in result.stderr, f"{name}: {result.stderr}"
    result = subprocess.run([ossfs, "man-page-check", missing_dir, "-o", "surely_not_an_option"],
                            capture_output=True, text=True, timeout=30)
    assert "unknown option 'surely_not_an_option'" in result.stderr     # the probe can tell


def test_the_man_page_describes_every_option():
    for _, tokens, _, description in man_options():
        assert len(description) > 10, f"{tokens[0][0]} has no description in ossfs(1)"


def test_mount_ossfs_page_has_the_fstab_forms_and_boot_options():
    with open(os.path.join(MAN, "mount.ossfs.8")) as f:
        text = unroff(f.read())
    assert "mybucket:/prefix /mnt/oss fuse.ossfs _netdev,allow_other,url=" in text
    assert "ossfs#mybucket /mnt/oss fuse _netdev" in text
    for word in ["_netdev", "nofail", "x-systemd.automount", "mount.fuse.ossfs", "EXIT STATUS", "32"]:
        assert word in text, word
