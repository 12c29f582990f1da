{{/* The chart name, or nameOverride. */}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<chart> (or just <release> when it already contains the chart name), or fullnameOverride. */}}
{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sluice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: ingress-controller
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sluice.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* "true" when a listener binds a port below 1024, which needs NET_BIND_SERVICE as non-root. */}}
{{- define "sluice.needsBindService" -}}
{{- $p := .Values.containerPorts -}}
{{- if or (lt (int $p.http) 1024) (lt (int $p.https) 1024) (lt (int $p.admin) 1024) -}}true{{- end -}}
{{- end -}}

{{/* Whether the PodDisruptionBudget is rendered: by value, or automatically for several replicas. */}}
{{- define "sluice.pdbEnabled" -}}
{{- if or .Values.podDisruptionBudget.enabled (and (eq .Values.kind "Deployment") (gt (int .Values.replicaCount) 1)) -}}true{{- end -}}
{{- end -}}

{{- define "sluice.adminServiceEnabled" -}}
{{- if or .Values.adminService.enabled .Values.serviceMonitor.enabled -}}true{{- end -}}
{{- end -}}
