"""The registry of every stable error code: the `code` of an error (screening/errors.py) and of
an item in an API problem body, and the `type` slugs of API problems (api/problems.py).

A code is public (docs/output.md, generated from here by scripts/gen_error_docs.py): rename
none; add new ones here, where tests/test_error_codes.py checks every code raised is listed.
`{...}` in a code names a family: the placeholder is filled in at run time.
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    error: str  # the class that carries it: an error of screening/errors.py, or ProblemError
    meaning: str  # one line: when it is raised
    reserved: bool = False  # listed for readers, not raised by this version


IN, P, R, Z, E, A = "InputError", "ProjectError", "RuleError", "ZoneError", "EngineError", "ProblemError"
S = "SetupError"

CODES: dict[str, Code] = {
    # input that cannot be read as it was written
    "input_too_large": Code(IN, "the input is over 1 MB or 200,000 values (an API body over the size limit: 413)"),
    "input_too_deep": Code(IN, "the input is nested too deeply"),
    "input_not_utf8": Code(IN, "the input is not UTF-8"),
    "input_bad_unicode": Code(IN, 'a string or key holds a lone UTF-16 surrogate ("\\ud800")'),
    "input_number_too_large": Code(IN, "a number of more than 1,000 digits"),
    "input_unreadable": Code(IN, "the file cannot be read"),
    "yaml_syntax": Code(IN, "the YAML is malformed"),
    "yaml_alias": Code(IN, "YAML anchors, aliases or merge keys (not allowed)"),
    "yaml_tag": Code(IN, "a YAML tag (only plain values, lists and mappings are allowed)"),
    "yaml_key": Code(IN, "a mapping key that is not a plain word"),
    "yaml_duplicate_key": Code(IN, "a key given twice in one mapping"),
    "yaml_value": Code(IN, "a value YAML cannot read"),
    "yaml_ambiguous_number": Code(IN, "`010`, `0x10`, `0b10`, `1:30`: a number YAML 1.1 reads in another base"),
    "json_syntax": Code(IN, "an API JSON body is malformed"),
    "json_too_deep": Code(IN, "an API JSON body is nested too deeply"),
    "json_duplicate_key": Code(IN, "an API JSON body gives a key twice in one object"),
    # command-line use
    "input_bad_date": Code(IN, "`--date` is not a date like 2026-11-23"),
    "input_bad_items": Code(IN, "`--items` is not an item number or range like 1-35"),
    "input_ask_one_file": Code(IN, "`check --ask` was given more than one project file"),
    "input_no_projects": Code(IN, "no project files (*.yaml, *.yml, *.json) where the command looked"),
    "input_no_site": Code(IN, "`--map` for a project without a location"),
    "input_no_zones": Code(IN, "`--map` without zone layers"),
    "input_report_format": Code(IN, "`--report` (or the API's `format`) names neither .pdf nor .docx"),
    "input_report_unwritable": Code(IN, "the `--report` file cannot be written (folder missing or not writable)"),
    "input_date_required": Code(IN, "several versions of a pack are loaded and the screening has no date"),
    "input_no_directory_in_force": Code(IN, "no edition of the national directory is in force on the screening date"),
    # envscreen batch
    "batch_unknown_input": Code(
        IN, "`batch` input that is neither a folder of project files nor a CSV, Excel or Parquet table"
    ),
    "batch_unknown_output": Code(IN, "`batch --out` with a suffix other than .parquet, .csv, .xlsx"),
    "batch_unknown_column": Code(IN, "a table column the batch layout does not have, or no `name` column"),
    "batch_duplicate_column": Code(IN, "a table column given twice"),
    "batch_no_dask": Code(IN, "`--scheduler` without Dask distributed installed"),
    "batch_scheduler_unreachable": Code(IN, "`--scheduler` names a Dask scheduler that cannot be reached"),
    "batch_internal_error": Code(E, "a project's screening failed inside envscreen (a bug): kept as its row"),
    "batch_worker_died": Code(E, "a worker died screening a project alone (after its chunk was lost): kept as its row"),
    # the project
    "project_empty": Code(P, "the project file is empty"),
    "project_not_mapping": Code(P, "the project is not a mapping of fields"),
    "project_unknown_field": Code(P, "a field the project format does not have (also in `location`)"),
    "project_missing_field": Code(P, "a required field is missing, or neither industry_codes nor project_types"),
    "project_wrong_type": Code(P, "a field has the wrong type (text, number, list, mapping, true/false, date)"),
    "project_value_too_long": Code(P, "a text field is longer than 500 characters"),
    "project_unknown_construction": Code(P, "`construction` is not a construction kind of the vocabulary"),
    "project_unknown_processes": Code(P, "a process that is not in the vocabulary"),
    "project_unknown_features": Code(P, "a feature that is not in the vocabulary"),
    "project_unknown_sensitive_areas": Code(P, "a sensitive-area kind that is not in the vocabulary"),
    "project_unknown_project_types": Code(P, "a project type that is not in the vocabulary"),
    "project_unknown_quantity": Code(P, "a quantity that is not in the vocabulary"),
    "project_bad_quantity": Code(P, "a quantity that is not finite or is negative"),
    "project_absurd_quantity": Code(
        P, "a quantity above the plausible maximum of its term (a unit or a zero too many)"
    ),
    "project_code_not_quoted": Code(P, "an industry code written as a number (YAML may read it in octal)"),
    "project_bad_code": Code(P, "an industry code that is not 2 to 4 digits (or a section letter)"),
    "project_unknown_code": Code(P, "an industry code that is not in GB/T 4754-2017"),
    "project_bad_project_code": Code(P, "`project_code` is not shaped like 2020-330999-26-03-012345 (项目代码)"),
    "project_unknown_answer": Code(P, "an answer to a question id that does not exist"),
    "project_answer_contradicts": Code(P, "an answer that contradicts a listed term, code or quantity"),
    # the site (a project's `location`)
    "site_missing_crs": Code(P, "the location has no crs"),
    "site_bad_crs": Code(P, "a crs other than wgs84, cgcs2000, gcj02, bd09 or a CGCS2000 Gauss-Krüger zone"),
    "site_bad_zone": Code(P, "a zone or central_meridian that is no CGCS2000 Gauss-Krüger zone, or disagrees"),
    "site_missing_zone": Code(P, "Gauss-Krüger eastings without the zone number, and no zone or central_meridian"),
    "site_wrong_zone": Code(
        P, "projected coordinates that do not fit the zone (the easting's zone number, or too far from its meridian)"
    ),
    "site_crs_conflict": Code(P, "a declared crs that contradicts the site file's own (.prj, KML, GeoJSON)"),
    "site_table_bad_row": Code(P, "a 界址点 table row whose columns cannot be read as coordinates"),
    "site_table_empty": Code(P, "a 界址点 table without coordinate rows"),
    "site_file_not_allowed": Code(P, "`location.file` in a project sent to the API (upload it instead)"),
    "site_file_bad_path": Code(P, "`location.file` that is absolute, a URL or outside the project file's folder"),
    "site_file_missing": Code(P, "`location.file` that does not exist"),
    "site_file_format": Code(P, "a site file that is not .dxf, .kml, .kmz, .zip, .geojson, .json, .txt or .csv"),
    "site_file_too_large": Code(P, "a site file, or a zip's contents, over the size limits (a zip bomb)"),
    "site_file_unreadable": Code(P, "a site file that cannot be read as its format"),
    "site_file_crs": Code(P, "a site file whose own crs cannot be used"),
    "site_file_layer": Code(P, "a `layer` that the file does not have, or a zip with several shapefiles"),
    "site_file_no_outline": Code(P, "a site file without a closed polyline, polygon, line or single point"),
    "site_bad_geometry": Code(P, "a point, line, polygon or GeoJSON geometry that is malformed"),
    "site_invalid_geometry": Code(P, "a polygon whose outline crosses itself"),
    "site_swapped_coordinates": Code(
        P, "a position that looks like [latitude, longitude], or [northing, easting] (X and Y of a table swapped)"
    ),
    "site_outside_china": Code(P, "a position outside China"),
    "site_too_many_vertices": Code(P, "a site with more vertices than accepted"),
    "site_too_complex": Code(P, "a site still too complex after simplifying"),
    # rule packs, the vocabulary, the industry codes, rule cases
    "rules_dir_missing": Code(R, "the `--rules` directory does not exist"),
    "rules_nothing_to_load": Code(R, "no rules directory and the bundled rules left out"),
    "rules_no_pack": Code(R, "no national directory pack in the rules"),
    "rules_no_list": Code(R, "a local pack without lists"),
    "rules_duplicate_version": Code(R, "one pack version defined twice"),
    "rules_overlapping_versions": Code(R, "two versions of a pack or edition in force on the same day"),
    "rules_entry_id_clash": Code(R, "two packs in force at one site use the same entry id"),
    "rule_malformed": Code(R, "a rule file that is not the expected mapping"),
    "rule_missing_field": Code(R, "a required field of a rule file is missing or empty"),
    "rule_unknown_field": Code(R, "a field a rule file does not have"),
    "rule_id_mismatch": Code(R, "an item id that differs from its file name"),
    "rule_duplicate_item": Code(R, "a directory item defined twice"),
    "rule_duplicate_entry": Code(R, "a list entry id defined twice"),
    "rule_bad_pack_kind": Code(R, "a pack kind other than directory or local"),
    "rule_bad_date": Code(R, "a pack date that is not a date"),
    "rule_bad_code": Code(R, "an item's industry code that is not 2 to 4 digits"),
    "rule_bad_match": Code(R, "an item's `match` that is inconsistent"),
    "rule_no_match": Code(R, "an item without match.industry_codes or match.project_types"),
    "rule_empty_column": Code(R, "a tier column without clauses"),
    "rule_bad_condition": Code(R, "a condition tree that is malformed"),
    "rule_bad_list": Code(R, "a local list that is malformed"),
    "rule_unknown_term": Code(R, "a condition naming a term the vocabulary does not have"),
    "rule_unknown_code": Code(R, "a condition naming an industry code not in GB/T 4754-2017"),
    "rule_too_complex": Code(R, "a clause too large for the rule engine: split it"),
    "vocabulary_missing": Code(R, "no vocabulary.yaml in the rules directory"),
    "vocabulary_malformed": Code(R, "a vocabulary file that is malformed"),
    "vocabulary_unknown_section": Code(R, "a vocabulary section that does not exist"),
    "vocabulary_duplicate": Code(R, "a vocabulary term defined twice"),
    "vocabulary_conflict": Code(R, "a term defined differently from the bundled vocabulary"),
    "vocabulary_bad_implies": Code(R, "a term that implies an unknown term"),
    "codes_malformed": Code(R, "an industry code list that is malformed"),
    "codes_duplicate": Code(R, "an industry code listed twice"),
    "codes_bad_parent": Code(R, "an industry code whose parent is missing or does not prefix it"),
    "cases_malformed": Code(R, "a rule-case file that is malformed"),
    # zone manifest and layers
    "zone_manifest_missing": Code(Z, "no layers.yaml in the zones directory"),
    "zone_manifest_{input code}": Code(Z, "layers.yaml cannot be read: the input code, e.g. zone_manifest_yaml_syntax"),
    "zone_manifest_malformed": Code(Z, "the manifest is not the expected mapping"),
    "zone_manifest_unknown_key": Code(Z, "a key the manifest does not have"),
    "zone_manifest_missing_key": Code(Z, "a required key of the manifest is missing"),
    "zone_manifest_bad_value": Code(Z, "a manifest value of the wrong type or out of range"),
    "zone_manifest_bad_crs": Code(Z, "a crs that cannot be used (work_crs: projected, in metres)"),
    "zone_manifest_bad_path": Code(Z, "a layer file that is a URL or outside the zones directory"),
    "zone_manifest_conflict": Code(Z, "a layer fixes an attribute and maps it to a column"),
    "zone_manifest_duplicate_layer": Code(Z, "a layer id given twice"),
    "zone_manifest_unknown_kind": Code(Z, "a layer kind that does not exist"),
    "zone_manifest_unknown_term": Code(Z, "a layer attribute value that is not a term of the vocabulary"),
    "zone_manifest_missing_table": Code(Z, "a GeoPackage layer without `table`"),
    "zone_manifest_no_reader": Code(Z, "a layer source this zone source cannot read"),
    "zone_manifest_no_region": Code(Z, "a layer covers the region but no admin_boundary layer draws it"),
    "zone_layer_missing_file": Code(Z, "a layer file that does not exist"),
    "zone_layer_unsupported_format": Code(Z, "a layer file that is not GeoJSON, GeoPackage or Shapefile"),
    "zone_layer_wrong_format": Code(Z, "a layer file whose content is not its extension's format"),
    "zone_layer_unreadable": Code(Z, "a layer file that cannot be read"),
    "zone_layer_crs_mismatch": Code(Z, "a layer whose file is in another crs than declared"),
    "zone_layer_missing_column": Code(Z, "a layer maps an attribute to a column its file does not have"),
    "zone_layer_empty": Code(Z, "a layer without features (and without none_in_jurisdiction: true)"),
    "zone_layer_not_empty": Code(Z, "a layer that says the jurisdiction has none but has features"),
    "zone_layer_missing_code": Code(Z, "a control unit without a unit code"),
    "zone_layer_bad_value": Code(Z, "a feature attribute that is missing or not a known term"),
    "zone_layer_empty_geometry": Code(Z, "a feature without geometry"),
    "zone_layer_geometry_type": Code(Z, "a feature that is not a polygon"),
    "zone_layer_too_many_vertices": Code(Z, "a feature with more vertices than accepted"),
    "zone_layer_invalid_geometry": Code(
        Z, "a polygon that is invalid and cannot be repaired without changing its area"
    ),
    "zone_layer_duplicate_code": Code(Z, "a unit code used by two features"),
    "zone_source_unsupported": Code(Z, "a zone source URL of a kind envscreen cannot read"),
    "zone_postgis_unreadable": Code(Z, "the zone manifest cannot be read from PostGIS"),
    "zone_postgis_no_manifest": Code(Z, "the PostGIS manifest table is empty"),
    "zone_postgis_no_table": Code(Z, "a layer's PostGIS table does not exist"),
    "zone_postgis_bad_layer_id": Code(Z, "a layer id that cannot name a PostGIS table"),
    "zone_postgis_bad_table": Code(Z, "a table name that is not a plain name"),
    # the rule engine (exit code 1, 500 in the API: a bug, not the user's fault)
    "engine_action_failed": Code(E, "a rule action failed inside durable-rules"),
    "engine_unhandled": Code(E, "no rule handled the facts (the catch-all rule is missing)"),
    "engine_item_too_large": Code(E, "an item compiles to more rules or facts than durable-rules handles"),
    "engine_list_outcomes": Code(E, "a local list rule did not record its three outcomes"),
    "engine_session_too_large": Code(E, "durable-rules refused a session (hazard 10: too many facts in one session)"),
    # the machine (exit code 1, 500 in the API: a system package is missing)
    "report_no_cjk_font": Code(S, "the CJK font of the PDF report is not installed (Debian fonts-wqy-microhei)"),
    # API request items (problem+json `errors[].code`)
    "request_{validation type}": Code(A, "a query or path parameter fails validation, e.g. request_missing"),
    "request_unsupported_media_type": Code(A, "a body sent as neither JSON nor YAML"),
    "request_batch_too_large": Code(A, "a batch with more projects than the limit"),
    "request_bad_filter": Code(A, "a GET /v1/screenings filter that is not valid (an unknown tier, dates swapped)"),
    "request_bad_bbox": Code(A, "a bbox that is not minlon,minlat,maxlon,maxlat"),
    "request_site_source": Code(A, "POST /v1/sites/parse without exactly one of the form fields file and table"),
}

# problem+json `type` slugs of the API (the `type` is https://.../problems/<slug>).
PROBLEM_TYPES: dict[str, Code] = {
    "invalid-project": Code(A, "422: the project is not valid; `errors` holds its error items"),
    "invalid-request": Code(A, "422: a parameter is not valid; `errors` holds request_* items"),
    "not-found": Code(A, "404: no such record, rule pack, zone layer or path"),
    "method-not-allowed": Code(A, "405: the path does not take this method"),
    "not-acceptable": Code(A, "406: the Accept header asks for a form the path cannot give"),
    "body-too-large": Code(A, "413: the body is over the size limit"),
    "batch-too-large": Code(A, "422: a batch with more projects than the limit"),
    "unsupported-media-type": Code(A, "415: a body sent as neither JSON nor YAML"),
    "http-error": Code(A, "another 4xx from the HTTP layer"),
    "timeout": Code(A, "503: the screening took longer than the limit"),
    "unavailable": Code(A, "503: the service or its database does not answer"),
    "internal": Code(A, "500: an internal failure (never the client's mistake); please report it"),
}
