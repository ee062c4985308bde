"""The twenty rules of bench/rules-20.toml as an OpenFisca tax-benefit system.

One entity, Firm (a "person" entity: every firm stands alone); input variables for the columns of
`ucz synth firms`; the derived `age_years` and `capital_region`; one boolean variable per rule,
each written as an OpenFisca country package writes its formulas: vectorised numpy over the whole
population, `numpy.where` for CEL's `c ? a : b`, no Python loop over firms.

Modelling choices (what an OpenFisca user would do, and where the CEL semantics need care):

- Periods. The firm's profile is a snapshot (definition_period ETERNITY); `age_years` and the
  rules are computed for a DAY, the evaluation date (`--as-of`), from `period.start`.
- Integers. OpenFisca's `int` is int32 and `float` is float32: won amounts reach 10^11 and CEL
  ints are 64-bit, so the integer inputs keep `value_type = int` but their dtype is widened to
  int64 (see `Int64Variable`); float32 would blur thresholds like ₩1,000,000,000 at the won.
- Categories. `stage` and `region` are OpenFisca Enums built from the catalog
  (catalog/stages.toml, catalog/regions.toml), compared by index; `capital_region` is the
  catalog's `capital_region` flag of the region. `zone` is an Enum too (`none` for no zone).
- `sector.startsWith(p)`: `sector` is a `str` variable with `max_length = 6` (a KSIC code: a
  section letter and up to five digits), which OpenFisca stores as fixed-width bytes (`|S6`), so
  the formulas test prefixes with `numpy.strings.startswith`, a vectorised C loop, at evaluation
  time (not precomputed).
- `'d' in firm.designations`: OpenFisca has no list values, so the ';'-separated column becomes
  one boolean input per designation of catalog/designations.toml (`designation_<id>`), computed
  when the CSV is loaded (run_openfisca.py: once per distinct value of the column).
- CEL semantics. int `/` truncates toward zero and is an error by zero or for MIN / -1; int `*`
  is an error on overflow; an error makes the firm ineligible unless `&&`/`||` absorb it or it is
  in the branch of `?:` not taken (`cel_div`, `cel_mul` return the value and an error mask).
  `double(x) / double(y)` is IEEE: inf or nan by zero, and nan compares false.
"""

from __future__ import annotations

import datetime
import pathlib
import tomllib

import numpy
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import DAY, ETERNITY
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

REPO = pathlib.Path(__file__).resolve().parents[2]
CATALOG = REPO / "catalog"

INT64_MIN = int(numpy.iinfo(numpy.int64).min)  # Python ints: bounds computed without wrapping
INT64_MAX = int(numpy.iinfo(numpy.int64).max)


def _catalog(name: str, table: str) -> list[dict]:
    with open(CATALOG / name, "rb") as f:
        return tomllib.load(f)[table]


_REGIONS = _catalog("regions.toml", "region")
_STAGES = _catalog("stages.toml", "stage")
_ZONES = _catalog("designated_zones.toml", "designated_zone")
DESIGNATIONS = [d["id"] for d in _catalog("designations.toml", "designation")]

Stage = Enum("Stage", [(s["id"], s["name_en"]) for s in _STAGES])
Region = Enum("Region", [(r["id"], r["name_en"]) for r in _REGIONS])
Zone = Enum("Zone", [("none", "No zone")] + [(z["id"], z["name_en"]) for z in _ZONES])
CAPITAL_REGIONS = [Region[r["id"]] for r in _REGIONS if r["capital_region"]]

Firm = build_entity(
    key="firm",
    plural="firms",
    label="A firm",
    doc="A firm of the Urban Convergence Special Zones' population.",
    is_person=True,
)


class Int64Variable(Variable):
    """An integer variable stored as int64 (OpenFisca's `int` is int32)."""

    def __init__(self, baseline_variable=None) -> None:
        super().__init__(baseline_variable)
        self.dtype = numpy.int64


# --- CEL integer arithmetic: the value and where it is an error --------------------------------


def cel_div(a: numpy.ndarray, b: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """CEL's int `/`: truncates toward zero; an error by zero and for INT64_MIN / -1."""
    error = (b == 0) | ((a == INT64_MIN) & (b == -1))
    safe_b = numpy.where(error, 1, b)
    q = a // safe_b  # floors
    negative = q < 0
    if negative.any():  # toward zero: a negative quotient with a remainder is one more
        q[negative] += q[negative] * safe_b[negative] != a[negative]
    return q, error


def cel_mul(a: numpy.ndarray, k: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """CEL's int `*` by a positive constant `k`: an error where the product leaves int64."""
    error = (a > INT64_MAX // k) | (a < -((-INT64_MIN) // k))
    return a * k, error


def double_ratio(x: numpy.ndarray, y: numpy.ndarray) -> numpy.ndarray:
    """`double(x) / double(y)`, IEEE 754: inf or nan where y is zero."""
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return x.astype(numpy.float64) / y.astype(numpy.float64)


# --- Inputs: the columns of `ucz synth firms` -------------------------------------------------


class name(Variable):
    value_type = str
    entity = Firm
    definition_period = ETERNITY
    label = "Name"


class founded(Variable):
    value_type = datetime.date
    entity = Firm
    definition_period = ETERNITY
    label = "Business start (NaT when not founded)"


class stage(Variable):
    value_type = Enum
    possible_values = Stage
    default_value = Stage.pre_startup
    entity = Firm
    definition_period = ETERNITY
    label = "Growth stage (catalog/stages.toml)"


class employees(Int64Variable):
    value_type = int
    entity = Firm
    definition_period = ETERNITY
    label = "Employees"


class youth_employees(Int64Variable):
    value_type = int
    entity = Firm
    definition_period = ETERNITY
    label = "Employees aged 15-34"


class revenue_krw(Int64Variable):
    value_type = int
    entity = Firm
    definition_period = ETERNITY
    label = "Annual revenue, won"


class rnd_spend_krw(Int64Variable):
    value_type = int
    entity = Firm
    definition_period = ETERNITY
    label = "Annual R&D spending, won"


class export_revenue_krw(Int64Variable):
    value_type = int
    entity = Firm
    definition_period = ETERNITY
    label = "Annual export revenue, won"


class sector(Variable):
    value_type = str
    max_length = 6  # stored as |S6
    entity = Firm
    definition_period = ETERNITY
    label = "KSIC code: section letter and up to five digits"


class region(Variable):
    value_type = Enum
    possible_values = Region
    default_value = Region.seoul
    entity = Firm
    definition_period = ETERNITY
    label = "시도 (catalog/regions.toml)"


class zone(Variable):
    value_type = Enum
    possible_values = Zone
    default_value = Zone.none
    entity = Firm
    definition_period = ETERNITY
    label = "Designated zone the firm is a tenant of"


class in_incubator(Variable):
    value_type = bool
    entity = Firm
    definition_period = ETERNITY
    label = "A tenant of a business incubator now"


class graduated_incubator(Variable):
    value_type = bool
    entity = Firm
    definition_period = ETERNITY
    label = "Graduated from an incubator"


class venture_certified(Variable):
    value_type = bool
    entity = Firm
    definition_period = ETERNITY
    label = "Venture certification (벤처기업 확인)"


class has_rnd_lab(Variable):
    value_type = bool
    entity = Firm
    definition_period = ETERNITY
    label = "Has a corporate research institute or R&D department"


class founder_age(Int64Variable):
    value_type = int
    entity = Firm
    definition_period = ETERNITY
    label = "The representative's age"


def _designation_variable(designation: str) -> type[Variable]:
    return type(
        f"designation_{designation}",
        (Variable,),
        {
            "value_type": bool,
            "entity": Firm,
            "definition_period": ETERNITY,
            "label": f"The firm's site holds the designation {designation}",
        },
    )


DESIGNATION_VARIABLES = [_designation_variable(d) for d in DESIGNATIONS]


# --- Derived ----------------------------------------------------------------------------------


class age_years(Int64Variable):
    value_type = int
    entity = Firm
    definition_period = DAY
    label = "Whole years from founded to the evaluation date; 0 when not founded"

    def formula(firm, period):
        # A year counts once its month and day are reached (ucz's Date::whole_years_until; born
        # on 29 February: on 1 March of a common year). So age >= k exactly when founded is on
        # or before the last day of year (as_of.year - k) whose (month, day) is not after the
        # evaluation date's: one threshold per year, and each firm's age is a binary search.
        # (numpy's own calendar casts, datetime64[Y] and [M], are 6x slower here.)
        f = firm("founded", period)
        days = f.astype(numpy.int64)
        founded = ~numpy.isnat(f)
        on = period.start
        oldest = int(days[founded].min()) if founded.any() else 0
        first_year = numpy.datetime64(oldest, "D").astype(object).year
        thresholds = [
            _same_day_or_before(year, on.month, on.day)
            for year in range(first_year, on.year + 1)
        ]
        t = numpy.array(thresholds, dtype="datetime64[D]").astype(numpy.int64)
        # thresholds >= days, less the one of the evaluation year itself (age >= 0)
        age = len(t) - 1 - numpy.searchsorted(t, days, side="left")
        return numpy.where(founded, numpy.maximum(age, 0), 0)


def _same_day_or_before(year: int, month: int, day: int) -> datetime.date:
    """The day of that month in `year`, or 28 February for 29 February in a common year."""
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return datetime.date(year, month, day - 1)


class capital_region(Variable):
    value_type = bool
    entity = Firm
    definition_period = ETERNITY
    label = "The region is in the capital region (수도권)"

    def formula(firm, period):
        r = firm("region", period)
        out = r == CAPITAL_REGIONS[0]
        for c in CAPITAL_REGIONS[1:]:
            out |= r == c
        return out


# --- The rules of bench/rules-20.toml, in order ------------------------------------------------
# Each rule's `documentation` is its CEL text, which run_openfisca.py checks against the TOML.


class youth_founder(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.founder_age <= 39 && firm.age_years <= 7 && !firm.capital_region"

    def formula(firm, period):
        return (
            (firm("founder_age", period) <= 39)
            & (firm("age_years", period) <= 7)
            & ~firm("capital_region", period)
        )


class early_small(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = (
        "firm.age_years <= 3 && firm.employees < 10 && firm.revenue_krw < 100000000"
    )

    def formula(firm, period):
        return (
            (firm("age_years", period) <= 3)
            & (firm("employees", period) < 10)
            & (firm("revenue_krw", period) < 100000000)
        )


class rnd_intensity(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "(firm.revenue_krw > 0 ? double(firm.rnd_spend_krw) / double(firm.revenue_krw) : 0.0) >= 0.05"

    def formula(firm, period):
        revenue = firm("revenue_krw", period)
        ratio = numpy.where(
            revenue > 0, double_ratio(firm("rnd_spend_krw", period), revenue), 0.0
        )
        return ratio >= 0.05


class export_share(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "(firm.revenue_krw > 0 ? double(firm.export_revenue_krw) / double(firm.revenue_krw) : 0.0) >= 0.2 && firm.employees >= 5"

    def formula(firm, period):
        revenue = firm("revenue_krw", period)
        share = numpy.where(
            revenue > 0, double_ratio(firm("export_revenue_krw", period), revenue), 0.0
        )
        return (share >= 0.2) & (firm("employees", period) >= 5)


class youth_hiring(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "(firm.employees > 0 ? firm.youth_employees * 100 / firm.employees : 0) >= 30"

    def formula(firm, period):
        employees = firm("employees", period)
        scaled, overflow = cel_mul(firm("youth_employees", period), 100)
        share, div_error = cel_div(scaled, employees)
        taken = employees > 0
        value = numpy.where(taken, share, 0)
        # An error in the branch taken makes the whole rule an error: not eligible.
        return (value >= 30) & ~(taken & (overflow | div_error))


class scale_by_stage(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.revenue_krw >= (firm.stage == 'scale_up' ? 5000000000 : 1000000000)"

    def formula(firm, period):
        threshold = numpy.where(
            firm("stage", period) == Stage.scale_up, 5000000000, 1000000000
        )
        return firm("revenue_krw", period) >= threshold


class size_by_sector(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.employees < (firm.sector.startsWith('C') ? 300 : 100)"

    def formula(firm, period):
        manufacturing = numpy.strings.startswith(firm("sector", period), b"C")
        return firm("employees", period) < numpy.where(manufacturing, 300, 100)


class lab_or_ratio(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.has_rnd_lab ? firm.rnd_spend_krw >= 100000000 : firm.rnd_spend_krw * 10 >= firm.revenue_krw"

    def formula(firm, period):
        lab = firm("has_rnd_lab", period)
        rnd = firm("rnd_spend_krw", period)
        scaled, overflow = cel_mul(rnd, 10)
        without_lab = (scaled >= firm("revenue_krw", period)) & ~overflow
        return numpy.where(lab, rnd >= 100000000, without_lab)


class manufacturing_regional(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.sector.startsWith('C') && !firm.capital_region && firm.employees >= 10"

    def formula(firm, period):
        return (
            numpy.strings.startswith(firm("sector", period), b"C")
            & ~firm("capital_region", period)
            & (firm("employees", period) >= 10)
        )


class ict_startup(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.sector.startsWith('J') && firm.age_years <= 7"

    def formula(firm, period):
        return numpy.strings.startswith(firm("sector", period), b"J") & (
            firm("age_years", period) <= 7
        )


class incubator_graduate(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.graduated_incubator && firm.age_years <= 10"

    def formula(firm, period):
        return firm("graduated_incubator", period) & (firm("age_years", period) <= 10)


class venture_growth(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.venture_certified && firm.stage in ['growth', 'scale_up']"

    def formula(firm, period):
        s = firm("stage", period)
        return firm("venture_certified", period) & (
            (s == Stage.growth) | (s == Stage.scale_up)
        )


class special_zone(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "'rnd_special_zone' in firm.designations && firm.has_rnd_lab"

    def formula(firm, period):
        return firm("designation_rnd_special_zone", period) & firm("has_rnd_lab", period)


class revenue_band(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.revenue_krw >= 100000000 && firm.revenue_krw < 12000000000"

    def formula(firm, period):
        revenue = firm("revenue_krw", period)
        return (revenue >= 100000000) & (revenue < 12000000000)


class per_head_revenue(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "(firm.employees > 0 ? firm.revenue_krw / firm.employees : 0) >= 150000000"

    def formula(firm, period):
        employees = firm("employees", period)
        per_head, error = cel_div(firm("revenue_krw", period), employees)
        taken = employees > 0
        return (numpy.where(taken, per_head, 0) >= 150000000) & ~(taken & error)


class young_or_small(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.age_years <= 5 || firm.employees < 5"

    def formula(firm, period):
        return (firm("age_years", period) <= 5) | (firm("employees", period) < 5)


class rnd_heavy_manufacturer(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.sector.startsWith('C2') && firm.rnd_spend_krw >= 300000000"

    def formula(firm, period):
        return numpy.strings.startswith(firm("sector", period), b"C2") & (
            firm("rnd_spend_krw", period) >= 300000000
        )


class regional_hiring(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "!firm.capital_region && firm.youth_employees >= 3"

    def formula(firm, period):
        return ~firm("capital_region", period) & (firm("youth_employees", period) >= 3)


class established_exporter(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.age_years >= 7 && firm.export_revenue_krw >= 1000000000"

    def formula(firm, period):
        return (firm("age_years", period) >= 7) & (
            firm("export_revenue_krw", period) >= 1000000000
        )


class founder_age_band(Variable):
    value_type = bool
    entity = Firm
    definition_period = DAY
    documentation = "firm.founder_age >= (firm.in_incubator ? 19 : 25) && firm.founder_age <= 64"

    def formula(firm, period):
        age = firm("founder_age", period)
        return (age >= numpy.where(firm("in_incubator", period), 19, 25)) & (age <= 64)


RULES = [
    youth_founder,
    early_small,
    rnd_intensity,
    export_share,
    youth_hiring,
    scale_by_stage,
    size_by_sector,
    lab_or_ratio,
    manufacturing_regional,
    ict_startup,
    incubator_graduate,
    venture_growth,
    special_zone,
    revenue_band,
    per_head_revenue,
    young_or_small,
    rnd_heavy_manufacturer,
    regional_hiring,
    established_exporter,
    founder_age_band,
]

INPUTS = [
    name,
    founded,
    stage,
    employees,
    youth_employees,
    revenue_krw,
    rnd_spend_krw,
    export_revenue_krw,
    sector,
    region,
    zone,
    in_incubator,
    graduated_incubator,
    venture_certified,
    has_rnd_lab,
    founder_age,
]


class UczRules(TaxBenefitSystem):
    """The tax-benefit system: the Firm entity and the variables above."""

    def __init__(self) -> None:
        super().__init__([Firm])
        for variable in [*INPUTS, *DESIGNATION_VARIABLES, age_years, capital_region, *RULES]:
            self.add_variable(variable)
