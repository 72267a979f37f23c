"""The HTML report: every section, only embedded PNG images, no network resources, escaped text,
graceful gaps, and the ``hubsim report`` / ``hubsim figures`` commands."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from results_helpers import BASELINE, CORE_FIGURES, SMALL_RESULTS, check_png, copy_results, invoke

from hubsim import load_scenario, run_experiment
from hubsim.report import SECTION_TITLES, render_report, write_report
from hubsim.results.read import ResultsFolderError, load_results, results_from_experiment

BAD_INPUT = 2
DATA_URI = "data:image/png;base64,"


class Parsed(HTMLParser):
    """Headings, image sources and every attribute value of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.h2: list[str] = []
        self.images: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._in_h2 = tag == "h2"
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))

    def handle_endtag(self, tag):
        self._in_h2 = False if tag == "h2" else self._in_h2

    def handle_data(self, data):
        if self._in_h2:
            self.h2.append(data)


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory):
    folder = copy_results(tmp_path_factory.mktemp("report"))
    write_report(folder)
    return folder


@pytest.fixture(scope="module")
def page(report_folder):
    return (report_folder / "report.html").read_text(encoding="utf-8")


def test_every_section_in_order(page):
    headings = [h for h in Parsed(page).h2 if h != "Contents"]
    assert headings == list(SECTION_TITLES.values())


def test_images_are_embedded_pngs(page):
    images = Parsed(page).images
    assert len(images) == len(CORE_FIGURES)
    for src in images:
        assert src.startswith(DATA_URI)
        check_png(base64.b64decode(src[len(DATA_URI):], validate=True))


def test_no_network_resources(page):
    parsed = Parsed(page)
    for tag, name, value in parsed.attributes:
        if name in ("src", "srcset", "data", "poster") or (tag == "link" and name == "href"):
            assert value.startswith("data:"), (tag, name, value[:60])
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.search(r"url\(\s*['\"]?https?:", page)
    assert "Content-Security-Policy" in page


def test_figures_saved_beside_the_report(report_folder):
    saved = sorted(p.name for p in (report_folder / "figures").iterdir())
    assert saved == sorted(f"{n}.{ext}" for n in CORE_FIGURES for ext in ("png", "svg"))
    assert not [p for p in report_folder.rglob(".*")]  # no temporary files left behind


def test_key_results_and_assumptions(page):
    assert "started therapy within 18 weeks" in page
    assert "95% CI" in page
    assert '<tr class="assumption">' in page
    assert "differs from registry" in page  # the stored run overrides horizon_days and WTE
    assert "low confidence" in page and "by confidence" in page  # registry confidence shown
    assert "hubsim run scenarios/baseline.toml --replications 2 --seed 0" in page


def test_text_is_escaped(tmp_path):
    folder = copy_results(tmp_path)
    meta_path = folder / "run_metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["scenario_name"] = "<script>alert('x')</script>"
    meta["scenario"]["description"] = "waits < 6 weeks & costs > £1"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    page = write_report(folder, save_figures=False).read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "waits &lt; 6 weeks &amp; costs &gt; £1" in page


def test_validation_table_from_a_results_folder_file(tmp_path):
    folder = copy_results(tmp_path)
    table = pd.DataFrame({"figure": ["followup_contact_pct"], "published": [73.0],
                          "simulated": [71.5], "passed": [True]})
    table.to_csv(folder / "validation.csv", index=False)
    page = write_report(folder, save_figures=False).read_text(encoding="utf-8")
    section = page.split('id="validation"')[1].split("</section>")[0].replace("<wbr>", "")
    assert "validation.csv" in section and "followup_contact_pct" in section
    assert "1 of 1 published figures within tolerance" in section


def test_validation_computed_from_records():
    scenario = load_scenario(BASELINE, {"horizon_days": 400})
    results = results_from_experiment(run_experiment(scenario, 2, seed=1),
                                      scenario_file="scenarios/baseline.toml")
    page = render_report(results).replace("<wbr>", "")
    section = page.split('id="validation"')[1].split("</section>")[0]
    assert "published figures within tolerance" in section
    assert "followup_contact_pct" in section


def test_sparse_folder_degrades_gracefully(tmp_path):
    folder = tmp_path / "sparse"
    folder.mkdir()
    (folder / "run_metadata.json").write_text(
        (SMALL_RESULTS / "run_metadata.json").read_text(encoding="utf-8"), encoding="utf-8")
    page = write_report(folder).read_text(encoding="utf-8")
    assert [h for h in Parsed(page).h2 if h != "Contents"] == list(SECTION_TITLES.values())
    assert "Not part of this run: the results folder has no summary table" in page
    assert "Not part of this run: the results folder has no per-client records" in page
    figures = page.split('id="figures"')[1].split("</section>")[0]
    assert "not part of this run" not in figures
    assert "No figure applies to this results folder" in page
    assert not (folder / "figures").exists() or not any((folder / "figures").iterdir())


def test_bad_folder_raises(tmp_path):
    with pytest.raises(ResultsFolderError, match="no run_metadata.json"):
        write_report(tmp_path)
    (tmp_path / "run_metadata.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultsFolderError, match="run_metadata.json: cannot read as JSON"):
        load_results(tmp_path)


def test_report_command(tmp_path):
    folder = copy_results(tmp_path)
    result = invoke("report", str(folder), "--no-figures")
    assert result.exit_code == 0, result.output
    assert (folder / "report.html").is_file()
    assert not (folder / "figures").exists()


@pytest.mark.parametrize("command", ["report", "figures"])
def test_bad_folder_exits_2_in_one_line(tmp_path, command):
    missing = tmp_path / "no-such-folder"
    result = invoke(command, str(missing))
    assert result.exit_code == BAD_INPUT
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0]
    assert "Traceback" not in result.output


def test_figures_command(tmp_path):
    folder = copy_results(tmp_path)
    result = invoke("figures", str(folder), "--out", str(tmp_path / "figs"))
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "figs").glob("*.png"))) == len(CORE_FIGURES)
    assert "skipped sweep" in result.output


def metadata_only(tmp_path: Path, **extra: object) -> Path:
    folder = tmp_path / "experiment"
    folder.mkdir()
    meta = json.loads((SMALL_RESULTS / "run_metadata.json").read_text(encoding="utf-8"))
    (folder / "run_metadata.json").write_text(json.dumps({**meta, **extra}), encoding="utf-8")
    return folder


def results_section(page: str) -> str:
    return page.split('id="results"')[1].split("</section>")[0].replace("<wbr>", "")


def test_sweep_folder_reports_its_points(tmp_path):
    folder = metadata_only(tmp_path)
    pd.DataFrame({"staff.therapists.wte": [2.0, 3.0], "kpi": "therapy_wait_days_mean",
                  "mean": [40.0, 5.0], "ci_low": [30.0, 1.0], "ci_high": [50.0, 9.0],
                  "n": 2}).to_csv(folder / "sweep.csv", index=False)
    section = results_section(write_report(folder, save_figures=False).read_text("utf-8"))
    assert "Sweep" in section and "staff.therapists.wte" in section
    assert "40.0 days (95% CI 30.0 days to 50.0 days)" in section


def test_search_folder_reports_its_answer(tmp_path):
    folder = metadata_only(tmp_path, role="therapists", confidence=0.9, answer_wte=3.0,
                           target="therapy_started_within_18w_pct >= 95")
    pd.DataFrame({"wte": [2.0, 3.0], "share_of_replications_meeting": [0.5, 1.0],
                  "meets_target": [False, True], "kpi_mean": [80.0, 99.0]}).to_csv(
        folder / "search.csv", index=False)
    page = write_report(folder, save_figures=False).read_text("utf-8")
    assert ("The smallest therapists WTE at which therapy_started_within_18w_pct &gt;= 95 holds "
            "in at least 90% of replications: 3 WTE.") in results_section(page)
    assert len(Parsed(page).images) == 1  # the staffing-search curve


def test_run_report_lists_no_figure_that_does_not_apply(page):
    figures = page.split('id="figures"')[1].split("</section>")[0].replace("<wbr>", "")
    assert "not part of this run" not in figures.lower()
    assert "sweep" not in figures.lower() and "acceptability" not in figures.lower()
    assert "staff funded, in post and at work" in figures.lower()


def test_price_year_reads_as_a_year(page):
    section = page.split('id="assumptions"')[1].split("</section>")[0].replace("<wbr>", "")
    row = section.split("<code>price_year</code>")[1].split("</tr>")[0]
    assert "2,0" not in row and re.search(r"<td( class=\"long\")?>20\d\d", row)


def psa_folder(tmp_path: Path) -> Path:
    """A PSA folder as ``hubsim psa`` writes it (small: 60 documented synthetic draws)."""
    folder = tmp_path / "psa"
    folder.mkdir()
    rng = __import__("numpy").random.default_rng(3)
    cost, qalys = rng.normal(40_000, 8_000, 60), rng.normal(2.5, 0.8, 60)
    pd.DataFrame({"draw": range(60), "therapy.dna_probability": rng.uniform(0.1, 0.3, 60),
                  "incremental_cost_gbp": cost, "incremental_qalys": qalys,
                  "employer_savings_gbp": rng.normal(9_000, 2_000, 60),
                  "nmb_20000_gbp": 20_000 * qalys - cost,
                  "nmb_30000_gbp": 30_000 * qalys - cost}).to_csv(folder / "psa_draws.csv",
                                                                 index=False)
    pd.DataFrame({"parameter": ["therapy.dna_probability", "population.female"],
                  "prcc_nmb_20000_gbp": [-0.6, 0.3], "method": "prcc",
                  "rank": [1, 2]}).to_csv(folder / "ranking.csv", index=False)
    meta = {"command": "psa", "scenario_file": "scenarios/baseline.toml",
            "comparator": "signpost-only comparator", "seed": 0, "draws": 60,
            "replications": 1, "wtp_gbp_per_qaly": [20000.0, 30000.0]}
    (folder / "run_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def test_psa_folder_gets_its_report(tmp_path):
    folder = psa_folder(tmp_path)
    page = write_report(folder).read_text(encoding="utf-8")
    assert "unnamed scenario" not in page
    assert "<title>baseline against signpost-only comparator</title>" in page
    assert "cost-effective against the signpost-only comparator" in page
    results = page.split('id="results"')[1].split("</section>")[0].replace("<wbr>", "")
    assert "incremental cost (GBP)" in results and "central 95% of draws" in results
    share = float(((20_000 * pd.read_csv(folder / "psa_draws.csv")["incremental_qalys"]
                    - pd.read_csv(folder / "psa_draws.csv")["incremental_cost_gbp"]) > 0).mean())
    assert f"cost-effective at £20,000 per QALY in {100 * share:.0f}% of draws" in results
    assert "therapy.dna_probability" in results
    saved = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    assert saved == ["acceptability", "psa_plane", "psa_ranking"]
    assert len(Parsed(page).images) == 3
    assert "No figure applies" not in page


def test_psa_report_gives_the_cost_per_qaly_with_its_interval_and_caveat(tmp_path):
    """What ``hubsim psa`` keeps in run_metadata.json under ``cost_effectiveness`` is reported:
    the cost per QALY over the draws, its interval from the uncertain inputs, the caveat."""
    folder = psa_folder(tmp_path)
    meta = json.loads((folder / "run_metadata.json").read_text(encoding="utf-8"))
    meta["cost_effectiveness"] = {
        "icer_gbp_per_qaly": 197060.4, "icer_interval_gbp_per_qaly": [82570.2, 1002111.6],
        "exploratory": "Exploratory: this cost per QALY rests on 89 assumed inputs."}
    (folder / "run_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    page = write_report(folder).read_text(encoding="utf-8")
    results = page.split('id="results"')[1].split("</section>")[0].replace("<wbr>", "")
    assert ("Cost per QALY gained over the draws: £197,060 (95% interval from the uncertain "
            "inputs: £82,570 to £1,002,112)") in results
    assert "Exploratory: this cost per QALY rests on 89 assumed inputs." in results
