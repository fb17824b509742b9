{{/*
The retrain CronJob's helpers (retrain-cronjob.yaml): labels, its service account, the registry
and model it retrains, and what it needs to render at all.
*/}}

{{/* Labels of the retrain job's objects and pods: their own name, outside the serving selector. */}}
{{- define "lead-scoring.retrainLabels" -}}
helm.sh/chart: {{ include "lead-scoring.chart" . }}
app.kubernetes.io/name: {{ printf "%s-retrain" (include "lead-scoring.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ include "lead-scoring.imageTag" . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: retrain
app.kubernetes.io/part-of: lead-scoring
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The retrain job's Kubernetes service account: never the serving pods' (they only read the
registry; this job writes it). retrain.serviceAccount.name, else <fullname>-pipeline: the name
infra/terraform binds to the pipeline's Google service account.
*/}}
{{- define "lead-scoring.retrain.serviceAccountName" -}}
{{- default (printf "%s-pipeline" (include "lead-scoring.fullname" .) | trunc 63 | trimSuffix "-") .Values.retrain.serviceAccount.name }}
{{- end }}

{{/* The registry it publishes to: retrain.registryUri, else the monitoring job's (model.uri's). */}}
{{- define "lead-scoring.retrain.registryUri" -}}
{{- default (include "lead-scoring.monitoringJob.registryUri" .) .Values.retrain.registryUri }}
{{- end }}

{{/* The model it retrains: retrain.model, else the monitoring job's (NAME of model.uri). */}}
{{- define "lead-scoring.retrain.model" -}}
{{- default (include "lead-scoring.monitoringJob.model" .) .Values.retrain.model }}
{{- end }}

{{/* What the retrain job needs to run at all; a failing check stops the install. */}}
{{- define "lead-scoring.retrain.validate" -}}
{{- $registry := include "lead-scoring.retrain.registryUri" . }}
{{- if not (hasPrefix "gs://" $registry) }}
{{- fail (printf "retrain.enabled needs a registry in Cloud Storage (its lock and requests are objects there): model.uri following an alias (gs://BUCKET/PREFIX/NAME@ALIAS) or retrain.registryUri (gs://BUCKET/PREFIX); got %q" $registry) }}
{{- end }}
{{- if not (include "lead-scoring.retrain.model" .) }}
{{- fail "retrain.enabled needs the model's name: model.uri following an alias, or retrain.model" }}
{{- end }}
{{- if not .Values.retrain.data }}
{{- fail "retrain.enabled needs retrain.data: the training data, gs://BUCKET/FILE (.csv or .parquet)" }}
{{- end }}
{{- if not .Values.retrain.image.repository }}
{{- fail "retrain.enabled needs retrain.image.repository: the pipeline image (pipeline/Dockerfile)" }}
{{- end }}
{{- if and (not .Values.retrain.serviceAccount.create) (not .Values.retrain.serviceAccount.name) }}
{{- fail "retrain.serviceAccount.create false needs retrain.serviceAccount.name: an existing account bound to the pipeline's Google service account (not the serving pods', which only read the registry)" }}
{{- end }}
{{- if and .Values.retrain.serviceAccount.create (eq (include "lead-scoring.retrain.serviceAccountName" .) (include "lead-scoring.serviceAccountName" .)) }}
{{- fail "retrain.serviceAccount.name must differ from the serving pods' service account: the pipeline writes the registry, the service only reads it" }}
{{- end }}
{{- end }}
