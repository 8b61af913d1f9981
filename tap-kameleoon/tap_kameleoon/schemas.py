"""JSON schemas of the streams, built from the documented field lists.

The audience fields are those of ``GET /audiences/poll`` (kameleoon-audience-poll.txt),
with the documented names and types, shared between the four audience streams so a
field is named once. Every audience row also carries its site, window and level.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

#: The eight metrics of every stats object.
METRICS: tuple[tuple[str, t.Any, str], ...] = (
    ("elementCount", th.IntegerType, "Amount of tracked visits (visitors at VISITOR level)"),
    ("conversions", th.IntegerType, "Amount of tracked conversions"),
    ("convertedElementCount", th.IntegerType, "Amount of tracked converted visits"),
    ("conversionRate", th.NumberType, "convertedElementCount / elementCount"),
    ("revenue", th.NumberType, "Amount of revenue"),
    ("averageRevenuePerElementCount", th.NumberType, "revenue / elementCount"),
    ("averageRevenuePerConversion", th.NumberType, "revenue / conversions"),
    ("averageConversionPerElementCount", th.NumberType, "conversions / elementCount"),
)
#: Changes against the previous period, in percent (not in periodStats).
EVOLUTIONS: tuple[tuple[str, str], ...] = (
    ("conversionRateEvolution", "Change of the conversion rate against the previous period, in percent"),
    ("elementCountEvolution", "Change of the amount of visits against the previous period, in percent"),
    ("revenueEvolution", "Change of the revenue against the previous period, in percent"),
    ("averageRevenuePerElementCountEvolution", "Change of the revenue per visit, in percent"),
    ("averageRevenuePerConversionEvolution", "Change of the revenue per conversion, in percent"),
)
#: Proportions of segment and breakdown rows. The four ``…GapTotal`` names are those of the
#: documented segmentStats example; the breakdown's fifth proportion (of the conversion rate)
#: has no documented name and is assumed to be ``conversionRateGapTotal`` (README, "API
#: assumptions"). All optional.
GAPS: tuple[tuple[str, str], ...] = (
    ("elementCountGapTotal", "Proportion of the visits of this row to the whole"),
    ("revenueGapTotal", "Proportion of the revenue of this row to the whole"),
    ("conversionRateGapTotal", "Proportion of the conversion rate of this row to the whole (name assumed)"),
    ("averageRevenuePerConversionGapTotal", "Proportion of the revenue per conversion of this row to the whole"),
    ("conversionsGapTotal", "Proportion of the conversions of this row to the whole"),
)


#: The proportions of the documented segmentStats example (the breakdowns add the fifth).
SEGMENT_GAPS = tuple(gap for gap in GAPS if gap[0] != "conversionRateGapTotal")


def _metric_properties(*, evolutions: bool, gaps: tuple[tuple[str, str], ...] = ()) -> list[th.Property]:
    properties = [th.Property(name, kind, description=text) for name, kind, text in METRICS]
    if evolutions:
        properties += [th.Property(name, th.NumberType, description=text) for name, text in EVOLUTIONS]
    properties += [th.Property(name, th.NumberType, description=text) for name, text in gaps]
    return properties


def _context_properties() -> list[th.Property]:
    return [
        th.Property("siteId", th.IntegerType, required=True, description="Numeric id of the site"),
        th.Property("siteCode", th.StringType, description="Code of the site"),
        th.Property(
            "windowStart", th.DateTimeType, required=True, description="Inclusive start of the requested period (UTC)"
        ),
        th.Property("windowEnd", th.DateTimeType, required=True, description="Exclusive end of the requested period"),
        th.Property("analyticsLevel", th.StringType(allowed_values=["VISIT", "VISITOR"]), required=True),
    ]


GLOBAL_STATS = th.PropertiesList(*_context_properties(), *_metric_properties(evolutions=True)).to_dict()
SEGMENT_STATS = th.PropertiesList(
    *_context_properties(),
    th.Property("segmentId", th.IntegerType, required=True, description="Segment the stats were tracked for"),
    *_metric_properties(evolutions=True, gaps=SEGMENT_GAPS),
).to_dict()
PERIOD_STATS = th.PropertiesList(
    *_context_properties(),
    th.Property("startDateTime", th.DateTimeType, required=True, description="Inclusive start of the day"),
    th.Property("endDateTime", th.DateTimeType, description="Exclusive end of the day"),
    *_metric_properties(evolutions=False),
).to_dict()
BREAKDOWN_STATS = th.PropertiesList(
    *_context_properties(),
    th.Property(
        "breakdownKind",
        th.StringType(allowed_values=["usual", "custom"]),
        required=True,
        description="usual (usualBreakdownStats) or custom (customDataStats)",
    ),
    th.Property("breakdownValue", th.StringType, required=True, description="The breakdown's property name"),
    th.Property("segmentId", th.IntegerType, required=True, description="Segment the stats were tracked for"),
    *_metric_properties(evolutions=True, gaps=GAPS),
).to_dict()

SITES = th.PropertiesList(
    th.Property("id", th.IntegerType, required=True, description="Numeric site id (used by most operations)"),
    th.Property("code", th.StringType, required=True, description="Site code"),
    th.Property("name", th.StringType),
    th.Property("url", th.StringType),
    th.Property("description", th.StringType),
    th.Property("dateCreated", th.DateTimeType),
    th.Property("isScriptActive", th.BooleanType),
).to_dict()
SEGMENTS = th.PropertiesList(
    th.Property("id", th.IntegerType, required=True, description="Segment id (the segmentId of audience stats)"),
    th.Property("name", th.StringType),
    th.Property("description", th.StringType),
    th.Property("siteId", th.IntegerType),
    th.Property("audienceTracking", th.BooleanType, description="Whether audience statistics are tracked"),
    th.Property("segmentType", th.StringType),
    th.Property("tags", th.ArrayType(th.StringType)),
    th.Property("dateCreated", th.DateTimeType),
    th.Property("dateModified", th.DateTimeType),
).to_dict()
