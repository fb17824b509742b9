{{/*
The service's recording and alerting rules: ONE definition, emitted as a list of Prometheus rule
groups and included by both flavours, GMP `Rules` (rules.yaml) and the Prometheus Operator's
`PrometheusRule` (prometheusrule.yaml). Each alert has a section in docs/runbooks.md, anchored by
its lower-cased name; scripts/deploy/alerts/ has the promtool unit tests of every alert.
*/}}

{{/* Labels of every alert: its severity (critical pages, warning opens a ticket), then alerts.labels. */}}
{{- define "lead-scoring.alertLabels" -}}
{{- $root := index . 0 -}}
severity: {{ index . 1 }}
{{- with $root.Values.alerts.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The runbook section of an alert: alerts.runbookBaseUrl#lowercased-alert-name. */}}
{{- define "lead-scoring.runbookUrl" -}}
{{- printf "%s#%s" (index . 0).Values.alerts.runbookBaseUrl (lower (index . 1)) | quote }}
{{- end }}

{{/*
The latency SLO's threshold is read from a histogram bucket, so it must be one of the bucket
bounds of lead_scoring_http_request_duration_seconds (LATENCY_BUCKETS in
src/monitoring/metrics.ts; a deploy test checks that this list matches).
*/}}
{{- define "lead-scoring.latencyBuckets" -}}
0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5
{{- end }}

{{- define "lead-scoring.ruleGroups" -}}
{{- $sel := include "lead-scoring.promSelector" . }}
{{- /* API traffic only: probes answer 503 by design while a pod loads or drains. */}}
{{- $api := printf "%s,route!~%q" $sel "/health.*|/metrics" }}
{{- $slo := .Values.alerts.slo }}
{{- $le := toString $slo.latency.thresholdSeconds }}
{{- if not (has $le (splitList " " (include "lead-scoring.latencyBuckets" .))) }}
{{- fail (printf "alerts.slo.latency.thresholdSeconds (%s) must be a bucket bound of lead_scoring_http_request_duration_seconds: %s" $le (include "lead-scoring.latencyBuckets" .)) }}
{{- end }}
{{- /*
The SRE workbook's multi-window, multi-burn-rate table for a 30-day SLO ("Alerting on SLOs"):
an alert fires when both windows burn the error budget faster than the rate.
*/}}
{{- $fast := list (dict "long" "1h" "short" "5m" "rate" "14.4") (dict "long" "6h" "short" "30m" "rate" "6") }}
{{- $slow := list (dict "long" "3d" "short" "6h" "rate" "1") }}
{{- $slis := list
  (dict "sli" "availability" "ratio" "lead_scoring:api_error_ratio" "objective" $slo.availability.objective "what" "API requests answered 5xx")
  (dict "sli" "latency" "ratio" "lead_scoring:api_slow_ratio" "objective" $slo.latency.objective "what" (printf "API requests slower than %ss" $le)) }}
- name: lead-scoring-slo-ratios
  rules:
    {{- range $window := list "5m" "30m" "1h" "6h" "3d" }}
    - record: lead_scoring:api_error_ratio:rate{{ $window }}
      expr: |-
        sum by (namespace, job) (rate(lead_scoring_http_requests_total{ {{- $api }},status_code=~"5.."}[{{ $window }}]))
          / sum by (namespace, job) (rate(lead_scoring_http_requests_total{ {{- $api }}}[{{ $window }}]))
    - record: lead_scoring:api_slow_ratio:rate{{ $window }}
      expr: |-
        1 - (
          sum by (namespace, job) (rate(lead_scoring_http_request_duration_seconds_bucket{ {{- $api }},le="{{ $le }}"}[{{ $window }}]))
            / sum by (namespace, job) (rate(lead_scoring_http_request_duration_seconds_count{ {{- $api }}}[{{ $window }}]))
        )
    {{- end }}
- name: lead-scoring-slo-alerts
  rules:
    {{- range $sli := $slis }}
    {{- $name := printf "LeadScoring%sBudgetBurn" (title $sli.sli) }}
    {{- $ratio := $sli.ratio }}
    {{- $objective := $sli.objective }}
    {{- range $speed, $spec := dict "Fast" (list $fast "critical" "2m") "Slow" (list $slow "warning" "1h") }}
    - alert: {{ $name }}{{ $speed }}
      expr: |-
        {{- range $i, $w := index $spec 0 }}
        {{ if $i }}or {{ end }}(
          {{ $ratio }}:rate{{ $w.long }}{ {{- $sel }}} > ({{ $w.rate }} * (1 - {{ $objective }}))
          and
          {{ $ratio }}:rate{{ $w.short }}{ {{- $sel }}} > ({{ $w.rate }} * (1 - {{ $objective }}))
        )
        {{- end }}
      for: {{ index $spec 2 }}
      labels:
        {{- include "lead-scoring.alertLabels" (list $ (index $spec 1)) | nindent 8 }}
        slo: {{ $sli.sli }}
      annotations:
        summary: 'Lead-scoring is spending its {{ $sli.sli }} error budget {{ ternary "fast" "steadily" (eq $speed "Fast") }} (objective {{ $objective }}).'
        description: '{{`{{ $value | humanizePercentage }}`}} of {{ $sli.what }} in {{`{{ $labels.namespace }}`}} over the long window of {{ $ratio }}; a {{ $objective }} objective allows a share of 1 - {{ $objective }}.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list $ (printf "%s%s" $name $speed)) }}
    {{- end }}
    {{- end }}
- name: lead-scoring-serving
  rules:
    - alert: LeadScoringDown
      # Both ways keep the namespace label for routing: every target down, or none left at all.
      expr: |-
        sum by (namespace) (up{ {{- $sel }}}) == 0
          or absent(up{ {{- $sel }}})
      for: 5m
      labels:
        {{- include "lead-scoring.alertLabels" (list . "critical") | nindent 8 }}
      annotations:
        summary: No lead-scoring pod in {{ .Release.Namespace }} has been scraped for 5 minutes.
        description: 'Prometheus finds no target of {{ $sel }} that is up: the pods are gone, crash-looping, or not scraped.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringDown") }}
    - alert: LeadScoringModelNotReady
      # A scraped pod that reports no serving model (lead_scoring_model_info) is up but not
      # ready: still loading, waiting for its alias, or its model failed its checks.
      expr: |-
        (up{ {{- $sel }}} == 1)
          unless on (namespace, pod) (lead_scoring_model_info{ {{- $sel }}} == 1)
      for: 15m
      labels:
        {{- include "lead-scoring.alertLabels" (list . "critical") | nindent 8 }}
      annotations:
        summary: A lead-scoring pod has served no model for 15 minutes.
        description: 'Pod {{`{{ $labels.pod }}`}} in {{`{{ $labels.namespace }}`}} is running without a loaded model.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringModelNotReady") }}
    - alert: LeadScoringModelReloadFailures
      # The pods keep serving the previous version, but the alias's new version is not live.
      expr: |-
        sum by (namespace, pod, version) (increase(lead_scoring_model_reload_failures_total{ {{- $sel }}}[15m])) > 0
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: A lead-scoring pod refused the new model version its alias points to.
        description: 'Pod {{`{{ $labels.pod }}`}} refused version {{`{{ $labels.version }}`}} {{`{{ $value }}`}} times in 15 minutes and still serves the previous version.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringModelReloadFailures") }}
    - alert: LeadScoringLoadShedding
      # Under pressure the service answers 503 OVERLOADED; HTTP metrics carry the status, not the
      # code, so 503s from pods that serve a model (not loading: NOT_READY) stand for shedding.
      expr: |-
        sum by (namespace, job) (
          rate(lead_scoring_http_requests_total{ {{- $api }},status_code="503"}[5m])
            and on (namespace, pod) (lead_scoring_model_info{ {{- $sel }}} == 1)
        )
          / sum by (namespace, job) (rate(lead_scoring_http_requests_total{ {{- $api }}}[5m]))
          > {{ .Values.alerts.loadShedding.ratio }}
      for: {{ .Values.alerts.loadShedding.for }}
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: Lead-scoring pods are shedding load (503 OVERLOADED).
        description: '{{`{{ $value | humanizePercentage }}`}} of API requests in {{`{{ $labels.namespace }}`}} were refused with 503 by pods that serve a model: their event loop lags past MAX_EVENT_LOOP_DELAY_MS.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringLoadShedding") }}
- name: lead-scoring-model
  rules:
    - alert: LeadScoringFeatureDrift
      # The service's online drift window (docs/monitoring.md), per served version and field.
      expr: |-
        max by (namespace, model, version, field) (lead_scoring_feature_drift_alerting{ {{- $sel }}}) == 1
      for: {{ .Values.alerts.drift.for }}
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: Live inputs of lead-scoring drifted from the training data.
        description: 'Field {{`{{ $labels.field }}`}} of {{`{{ $labels.model }}`}} {{`{{ $labels.version }}`}} is over its drift threshold (DRIFT_THRESHOLD[S]).'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringFeatureDrift") }}
    - alert: LeadScoringPredictionDrift
      # Same threshold as the service's own "score" threshold (config.drift).
      expr: |-
        max by (namespace, model, version) (lead_scoring_prediction_drift{ {{- $sel }},statistic="jensen_shannon"})
          > {{ default .Values.config.drift.threshold (index .Values.config.drift.thresholds "score") }}
      for: {{ .Values.alerts.drift.for }}
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: Lead-scoring's scores drifted from the held-out predictions.
        description: 'The Jensen-Shannon divergence of {{`{{ $labels.model }}`}} {{`{{ $labels.version }}`}} live scores is {{`{{ $value }}`}}.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringPredictionDrift") }}
    {{- /* The gauges below come from the monitoring job's latest.json, which the service exports. */}}
    {{- $quality := .Values.alerts.quality }}
    - alert: LeadScoringModelQualityLow
      expr: |-
        (
          {{- range $i, $metric := keys $quality.floors | sortAlpha }}
          {{ if $i }}or {{ end }}max by (namespace, model, version, metric) (lead_scoring_model_quality{ {{- $sel }},metric="{{ $metric }}"}) < {{ index $quality.floors $metric }}
          {{- end }}
        )
          and on (namespace, model, version)
        max by (namespace, model, version) (lead_scoring_model_quality_outcomes{ {{- $sel }}}) >= {{ $quality.minOutcomes }}
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: Lead-scoring's realized model quality is below its floor.
        description: '{{`{{ $labels.metric }}`}} of {{`{{ $labels.model }}`}} {{`{{ $labels.version }}`}} is {{`{{ $value }}`}} on the monitoring job''s latest window.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringModelQualityLow") }}
    - alert: LeadScoringMonitoringJobAlert
      expr: |-
        max by (namespace, model, version) (lead_scoring_monitoring_alert{ {{- $sel }}}) == 1
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: The lead-scoring monitoring job flagged a model version.
        description: 'The latest monitoring report flags {{`{{ $labels.model }}`}} {{`{{ $labels.version }}`}} (a quality or drift threshold was crossed).'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringMonitoringJobAlert") }}
    - alert: LeadScoringMonitoringJobDrift
      expr: |-
        max by (namespace, model, version, field) (lead_scoring_monitoring_drift_alerting{ {{- $sel }}}) == 1
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: The lead-scoring monitoring job found drift over its whole window.
        description: 'Field {{`{{ $labels.field }}`}} of {{`{{ $labels.model }}`}} {{`{{ $labels.version }}`}} drifted from its training baseline in the latest monitoring report.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringMonitoringJobDrift") }}
    - alert: LeadScoringMonitoringReportStale
      expr: |-
        time() - max by (namespace, model) (lead_scoring_monitoring_report_timestamp_seconds{ {{- $sel }}})
          > {{ $quality.maxReportAgeHours }} * 3600
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: The lead-scoring monitoring job has not reported for too long.
        description: 'The latest monitoring report of {{`{{ $labels.model }}`}} is {{`{{ $value | humanizeDuration }}`}} old (more than {{ $quality.maxReportAgeHours }} hours).'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringMonitoringReportStale") }}
    - alert: LeadScoringMonitoringReportUnreadable
      # The pods could not use the job's latest.json (invalid: once per file; unreadable: per
      # poll), so the gauges above are stale or absent and their alerts cannot fire.
      expr: |-
        sum by (namespace, reason) (increase(lead_scoring_monitoring_report_read_failures_total{ {{- $sel }}}[1h])) > 0
      for: 15m
      labels:
        {{- include "lead-scoring.alertLabels" (list . "warning") | nindent 8 }}
      annotations:
        summary: The lead-scoring pods cannot use the monitoring job's latest report.
        description: 'Reads of monitoring/latest.json failed as {{`{{ $labels.reason }}`}} {{`{{ $value | humanize }}`}} times in the last hour in {{`{{ $labels.namespace }}`}}.'
        runbook_url: {{ include "lead-scoring.runbookUrl" (list . "LeadScoringMonitoringReportUnreadable") }}
{{- end }}
