"""Every relative link of README.md and docs/*.md resolves: to a file or
folder of the repository and, with a #anchor into a Markdown file, to one
of its headings (GitHub's heading ids). Links in code are not links.

Fast: it reads Markdown only.
"""
import glob
import os.path as osp
import re

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAGES = ['README.md'] + sorted(
    osp.relpath(p, REPO_ROOT).replace(osp.sep, '/')
    for p in glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')))

# Files a link may name before they exist (none today; e.g. a picture a
# tool writes, before it is committed). Remove an entry once the file is in
# the repository.
PENDING = set()

FENCE = re.compile(r'^(```|~~~)')
INLINE_CODE = re.compile(r'`[^`]*`')
# [text](target) and ![alt](target); the target ends at the first space or
# closing parenthesis (an optional "title" follows a space).
LINK = re.compile(r'!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')


def _prose(path):
    """The page with fenced code blocks blanked and inline code (which may
    wrap across lines) removed, line breaks kept so that offsets still give
    line numbers."""
    lines = []
    in_fence = False
    with open(osp.join(REPO_ROOT, path), encoding='utf-8') as f:
        for line in f:
            if FENCE.match(line.strip()):
                in_fence = not in_fence
                lines.append('\n')
            else:
                lines.append('\n' if in_fence else line)
    return INLINE_CODE.sub(lambda m: '\n' * m.group(0).count('\n'),
                           ''.join(lines))


def _slug(heading):
    """GitHub's id of a heading: lower case, punctuation dropped, spaces
    to hyphens (inline code keeps its text, links their text)."""
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', heading)
    text = text.replace('`', '').strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def _anchors(path):
    seen = {}
    anchors = set()
    in_fence = False
    with open(osp.join(REPO_ROOT, path), encoding='utf-8') as f:
        for line in f:
            if FENCE.match(line.strip()):
                in_fence = not in_fence
                continue
            match = None if in_fence else HEADING.match(line)
            if match:
                slug = _slug(match.group(2))
                count = seen.get(slug, 0)
                seen[slug] = count + 1
                anchors.add(slug if count == 0 else f'{slug}-{count}')
    return anchors


def _links(path):
    """(line number, target) of every link; link texts may wrap."""
    text = _prose(path)
    for match in LINK.finditer(text):
        yield text.count('\n', 0, match.start()) + 1, match.group(1)


def test_the_pages_exist():
    assert len(PAGES) > 1, 'expected docs/*.md pages beside the README'


def test_slug_follows_github():
    assert _slug("Mixing PointMCD into mmdet3d's own models") == (
        'mixing-pointmcd-into-mmdet3ds-own-models')
    assert _slug('A PointNet++ student from mmdet3d') == (
        'a-pointnet-student-from-mmdet3d')
    assert _slug('GPU: unmeasured') == 'gpu-unmeasured'
    assert _slug('`LoadTeacherKnowledge` keyed by id') == (
        'loadteacherknowledge-keyed-by-id')


@pytest.mark.parametrize('page', PAGES)
def test_relative_links_resolve(page):
    broken = []
    base = osp.dirname(page)
    for number, target in _links(page):
        if re.match(r'^[a-z][a-z0-9+.-]*:', target):  # https:, mailto:, ...
            continue
        path, _, anchor = target.partition('#')
        resolved = (osp.normpath(osp.join(base, path)).replace(osp.sep, '/')
                    if path else page)
        if resolved.startswith('..'):
            broken.append(f'{page}:{number}: {target} leaves the repository')
            continue
        full = osp.join(REPO_ROOT, resolved)
        if not osp.exists(full):
            if resolved not in PENDING:
                broken.append(f'{page}:{number}: {target} ({resolved} '
                              'does not exist)')
            continue
        if anchor and resolved.endswith('.md'):
            if anchor not in _anchors(resolved):
                broken.append(f'{page}:{number}: {target} (no heading '
                              f'#{anchor} in {resolved})')
    assert not broken, 'broken links:\n' + '\n'.join(broken)
