"""axe-core in the Playwright tests: inject the vendored build (no CDN, the CSP would refuse it
anyway) and report the serious and critical violations of the page as it is shown."""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")


def axe_violations(page, *, impacts=BLOCKING) -> list[dict]:
    """The violations axe finds on the page, as {id, impact, nodes: [selector, …]} dicts."""
    # add_script_tag with content would be an inline <script> the CSP refuses; evaluate runs in
    # the page's main world without one.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(1).join(' ')),
        }));
    }""")
    return [v for v in found if v["impact"] in impacts]


def assert_no_axe_violations(page, where: str = ""):
    found = axe_violations(page)
    summary = "\n".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['nodes'][:3]}" for v in found)
    assert not found, f"{where or page.url}: axe found\n{summary}"
