{{/*
Expand the name of the chart.
*/}}
{{- define "lead-scoring.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name. Truncated at 63 characters because some Kubernetes
name fields are limited to this (by the DNS naming spec). If the release name contains the chart
name it is used as the full name.
*/}}
{{- define "lead-scoring.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "lead-scoring.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "lead-scoring.labels" -}}
helm.sh/chart: {{ include "lead-scoring.chart" . }}
{{ include "lead-scoring.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ include "lead-scoring.imageTag" . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: prediction-server
app.kubernetes.io/part-of: lead-scoring
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels: never change them after the first install (Deployment selectors are immutable).
*/}}
{{- define "lead-scoring.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lead-scoring.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "lead-scoring.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lead-scoring.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image tag: image.tag, else the chart's appVersion.
*/}}
{{- define "lead-scoring.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/*
The image reference; a digest, when given, pins the exact image (tags can move).
*/}}
{{- define "lead-scoring.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "lead-scoring.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
Names of the GKE load-balancer objects.
*/}}
{{- define "lead-scoring.backendConfigName" -}}
{{- default (include "lead-scoring.fullname" .) .Values.backendConfig.name }}
{{- end }}
{{- define "lead-scoring.frontendConfigName" -}}
{{- default (include "lead-scoring.fullname" .) .Values.ingress.frontendConfig.name }}
{{- end }}
{{- define "lead-scoring.gatewayName" -}}
{{- default (include "lead-scoring.fullname" .) .Values.gateway.name }}
{{- end }}
{{- define "lead-scoring.managedCertificateName" -}}
{{- default (include "lead-scoring.fullname" .) .Values.ingress.managedCertificate.name }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the explicit value, else the service's shutdown budget plus a
margin so that Kubernetes never SIGKILLs a pod that is still finishing its requests.
*/}}
{{- define "lead-scoring.terminationGracePeriodSeconds" -}}
{{- if .Values.terminationGracePeriodSeconds }}
{{- .Values.terminationGracePeriodSeconds }}
{{- else }}
{{- add (int .Values.config.shutdownTimeoutSeconds) 15 }}
{{- end }}
{{- end }}

{{/*
PromQL label matchers selecting this release's scrape targets: the namespace, and the job that
GMP (PodMonitoring name) or Prometheus Operator (metrics Service name) gives them.
*/}}
{{- define "lead-scoring.promSelector" -}}
{{- if .Values.alerts.selector }}
{{- .Values.alerts.selector }}
{{- else }}
{{- printf "namespace=%q,job=~%q" .Release.Namespace (printf "%s(-metrics)?" (include "lead-scoring.fullname" .)) }}
{{- end }}
{{- end }}

{{/*
Consistency checks that a JSON schema cannot express; a failing one stops the install.
*/}}
{{- define "lead-scoring.validate" -}}
{{- $drain := float64 .Values.config.drainSeconds }}
{{- $shutdown := float64 .Values.config.shutdownTimeoutSeconds }}
{{- $grace := float64 (include "lead-scoring.terminationGracePeriodSeconds" .) }}
{{- if le $shutdown $drain }}
{{- fail (printf "config.shutdownTimeoutSeconds (%v) must exceed config.drainSeconds (%v): the drain period is part of the shutdown budget" $shutdown $drain) }}
{{- end }}
{{- if le $grace $shutdown }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed config.shutdownTimeoutSeconds (%v), or Kubernetes kills pods that are still draining" $grace $shutdown) }}
{{- end }}
{{- $startup := mul (int .Values.startupProbe.periodSeconds) (int .Values.startupProbe.failureThreshold) }}
{{- if lt (float64 $startup) (float64 .Values.model.loadTimeoutSeconds) }}
{{- fail (printf "startupProbe allows %vs (periodSeconds x failureThreshold) but model.loadTimeoutSeconds is %v: the pod would be restarted while downloading the model" $startup .Values.model.loadTimeoutSeconds) }}
{{- end }}
{{- if and .Values.gateway.enabled (not .Values.gateway.create) (not .Values.gateway.name) }}
{{- fail "gateway.create=false attaches the HTTPRoute to an existing Gateway: set gateway.name (and gateway.namespace if it lives elsewhere)" }}
{{- end }}
{{- if and .Values.ingress.managedCertificate.enabled (not .Values.ingress.hosts) }}
{{- fail "ingress.managedCertificate.enabled needs at least one entry in ingress.hosts (the certificate's domains)" }}
{{- end }}
{{- end }}

{{/*
DRIFT_THRESHOLDS from config.drift.thresholds: field=threshold pairs, sorted by field; empty when
there are none. The service and the monitoring job read the same variable.
*/}}
{{- define "lead-scoring.driftThresholds" -}}
{{- $pairs := list }}
{{- range $field, $threshold := .Values.config.drift.thresholds }}
{{- $pairs = append $pairs (printf "%s=%v" $field $threshold) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/*
Labels of the monitoring job's objects and pods. Its own name, so that the selectors of the
serving pods (Service, PodDisruptionBudget, NetworkPolicy, PodMonitoring) never pick it up.
*/}}
{{- define "lead-scoring.monitoringJobLabels" -}}
helm.sh/chart: {{ include "lead-scoring.chart" . }}
app.kubernetes.io/name: {{ printf "%s-monitor" (include "lead-scoring.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ include "lead-scoring.imageTag" . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: quality-monitor
app.kubernetes.io/part-of: lead-scoring
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels of the batch scoring Job's objects and pods: its own name, like the monitoring job's, so
that no selector of the serving pods picks them up.
*/}}
{{- define "lead-scoring.batchScoringLabels" -}}
helm.sh/chart: {{ include "lead-scoring.chart" . }}
app.kubernetes.io/name: {{ printf "%s-score" (include "lead-scoring.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ include "lead-scoring.imageTag" . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: batch-scoring
app.kubernetes.io/part-of: lead-scoring
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The registry the monitoring job reads versions from and writes its reports to: monitoringJob's
own value, else the registry of model.uri when it follows an alias (gs://BUCKET/PREFIX of
gs://BUCKET/PREFIX/NAME@ALIAS). Empty when neither says.
*/}}
{{- define "lead-scoring.monitoringJob.registryUri" -}}
{{- if .Values.monitoringJob.registryUri }}
{{- .Values.monitoringJob.registryUri }}
{{- else if contains "@" .Values.model.uri }}
{{- regexReplaceAll "^(.*)/([^/@]+)@[^/@]+/?$" .Values.model.uri "${1}" }}
{{- end }}
{{- end }}

{{/* The model the monitoring job reports on: monitoringJob.model, else NAME of model.uri. */}}
{{- define "lead-scoring.monitoringJob.model" -}}
{{- if .Values.monitoringJob.model }}
{{- .Values.monitoringJob.model }}
{{- else if contains "@" .Values.model.uri }}
{{- regexReplaceAll "^(.*)/([^/@]+)@[^/@]+/?$" .Values.model.uri "${2}" }}
{{- end }}
{{- end }}

{{/* The prediction log the job reads: monitoringJob.predictionLogUri, else the gcs sink's. */}}
{{- define "lead-scoring.monitoringJob.predictionLogUri" -}}
{{- if .Values.monitoringJob.predictionLogUri }}
{{- .Values.monitoringJob.predictionLogUri }}
{{- else if eq .Values.predictionLog.sink "gcs" }}
{{- .Values.predictionLog.uri }}
{{- end }}
{{- end }}

{{/* What the monitoring job needs to run at all; a failing check stops the install. */}}
{{- define "lead-scoring.monitoringJob.validate" -}}
{{- $registry := include "lead-scoring.monitoringJob.registryUri" . }}
{{- if not (hasPrefix "gs://" $registry) }}
{{- fail (printf "monitoringJob.enabled needs a registry in Cloud Storage to read versions from and write reports to: model.uri following an alias (gs://BUCKET/PREFIX/NAME@ALIAS) or monitoringJob.registryUri (gs://BUCKET/PREFIX); got %q" $registry) }}
{{- end }}
{{- if not (include "lead-scoring.monitoringJob.model" .) }}
{{- fail "monitoringJob.enabled needs the model's name: model.uri following an alias, or monitoringJob.model" }}
{{- end }}
{{- if not (include "lead-scoring.monitoringJob.predictionLogUri" .) }}
{{- fail "monitoringJob.enabled needs the prediction log in Cloud Storage: predictionLog.sink gcs with predictionLog.uri, or monitoringJob.predictionLogUri (the job cannot read the stdout sink)" }}
{{- end }}
{{- end }}
