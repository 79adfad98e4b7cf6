{{/* Names and labels. */}}
{{- define "salesfollow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "salesfollow.fullname" -}}
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

{{/* The labels that select one component's pods: (dict "root" $ "component" "customer-service"). */}}
{{- define "salesfollow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "salesfollow.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "salesfollow.labels" -}}
{{ include "salesfollow.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: salesfollow
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "salesfollow.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{/* The database host: the built-in MariaDB's Service or database.host. */}}
{{- define "salesfollow.dbHost" -}}
{{- if .Values.mariadb.enabled -}}
{{- printf "%s-mariadb" (include "salesfollow.fullname" .) -}}
{{- else -}}
{{- required "database.host is required (or set mariadb.enabled=true)" .Values.database.host -}}
{{- end -}}
{{- end -}}

{{/* Where the secret files are mounted. */}}
{{- define "salesfollow.secretDir" -}}/var/run/secrets/salesfollow{{- end -}}

{{/*
The settings every process shares, as SALESFOLLOW_* variables: the data of the
ConfigMap (Deployments, CronJob) and, inline, the environment of the migration
hook, which runs before the release's ConfigMap exists.
*/}}
{{- define "salesfollow.settings" -}}
SALESFOLLOW_DB_HOST: {{ include "salesfollow.dbHost" . | quote }}
SALESFOLLOW_DB_PORT: {{ .Values.database.port | quote }}
SALESFOLLOW_DB_NAME: {{ .Values.database.name | quote }}
SALESFOLLOW_DB_USER: {{ .Values.database.user | quote }}
SALESFOLLOW_DB_PASSWORD_FILE: {{ include "salesfollow.secretDir" . }}/db-password
SALESFOLLOW_TOKEN_SECRET_FILE: {{ include "salesfollow.secretDir" . }}/token-secret
SALESFOLLOW_DB_POOL_SIZE: {{ .Values.database.poolSize | int64 | quote }}
SALESFOLLOW_DB_CONNECT_TIMEOUT: {{ .Values.database.connectTimeout | quote }}
SALESFOLLOW_DB_READ_TIMEOUT: {{ .Values.database.readTimeout | quote }}
SALESFOLLOW_DB_WRITE_TIMEOUT: {{ .Values.database.writeTimeout | quote }}
SALESFOLLOW_DB_LOCK_WAIT_TIMEOUT: {{ .Values.database.lockWaitTimeout | quote }}
SALESFOLLOW_DB_ACQUIRE_TIMEOUT: {{ .Values.database.acquireTimeout | quote }}
SALESFOLLOW_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
SALESFOLLOW_DRAIN_TIMEOUT: {{ printf "%ds" (int .Values.config.drainTimeoutSeconds) | quote }}
SALESFOLLOW_SHUTDOWN_DELAY: {{ printf "%ds" (int .Values.config.shutdownDelaySeconds) | quote }}
SALESFOLLOW_HEALTH_INTERVAL: {{ .Values.config.healthInterval | quote }}
SALESFOLLOW_STARTUP_TIMEOUT: {{ printf "%ds" (int .Values.config.startupTimeoutSeconds) | quote }}
SALESFOLLOW_MAX_MESSAGE_BYTES: {{ .Values.config.maxMessageBytes | int64 | quote }}
SALESFOLLOW_GRPC_MAX_THREADS: {{ .Values.config.grpcMaxThreads | int64 | quote }}
{{- end -}}

{{/* The environment of a long-running pod: the ConfigMap and config.extraEnv. */}}
{{- define "salesfollow.envFrom" -}}
envFrom:
  - configMapRef:
      name: {{ include "salesfollow.fullname" . }}-config
{{- with .Values.config.extraEnv }}
env:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The same settings inline (the migration hook). */}}
{{- define "salesfollow.envInline" -}}
env:
{{- range $name, $value := include "salesfollow.settings" . | fromYaml }}
  - name: {{ $name }}
    value: {{ $value | quote }}
{{- end }}
{{- with .Values.config.extraEnv }}
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Rolls the pods when the settings change. */}}
{{- define "salesfollow.configChecksum" -}}
checksum/config: {{ include "salesfollow.settings" . | sha256sum }}
{{- end -}}

{{/* The secret files: (dict "root" $ "contact" true|false). */}}
{{- define "salesfollow.secretVolume" -}}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ .root.Values.database.passwordSecret.name }}
          items:
            - key: {{ .root.Values.database.passwordSecret.key }}
              path: db-password
      - secret:
          name: {{ .root.Values.secrets.tokenSecret.name }}
          items:
            - key: {{ .root.Values.secrets.tokenSecret.key }}
              path: token-secret
      {{- if .contact }}
      - secret:
          name: {{ .root.Values.secrets.contactKeys.name }}
          items:
            - key: {{ .root.Values.secrets.contactKeys.key }}
              path: contact-keys
      - secret:
          name: {{ .root.Values.secrets.blindIndexKey.name }}
          items:
            - key: {{ .root.Values.secrets.blindIndexKey.key }}
              path: blind-index-key
      {{- end }}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}

{{- define "salesfollow.volumeMounts" -}}
- name: secrets
  mountPath: {{ include "salesfollow.secretDir" . }}
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Scheduling and security of a pod: (dict "root" $ "component" NAME). */}}
{{- define "salesfollow.podScheduling" -}}
{{- $root := .root -}}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if eq $root.Values.podAntiAffinity "hard" }}
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: {{ $root.Values.podAntiAffinityTopologyKey }}
        labelSelector:
          matchLabels:
            {{- include "salesfollow.selectorLabels" . | nindent 12 }}
{{- else if eq $root.Values.podAntiAffinity "soft" }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: {{ $root.Values.podAntiAffinityTopologyKey }}
          labelSelector:
            matchLabels:
              {{- include "salesfollow.selectorLabels" . | nindent 14 }}
{{- else if ne $root.Values.podAntiAffinity "none" }}
{{- fail "podAntiAffinity must be soft, hard or none" }}
{{- end }}
{{- end -}}

{{/* Pod metadata: (dict "root" $ "component" NAME). */}}
{{- define "salesfollow.podMetadata" -}}
labels:
  {{- include "salesfollow.labels" . | nindent 2 }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  {{- include "salesfollow.configChecksum" .root | nindent 2 }}
  {{- with .root.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/*
gRPC probes on the health service: readiness follows the database (service
""), liveness uses "liveness", SERVING while the process runs. The startup probe
allows config.startupTimeout for the first database connection.
(dict "port" PORT "root" $)
*/}}
{{- define "salesfollow.probes" -}}
startupProbe:
  grpc:
    port: {{ .port }}
    service: liveness
  periodSeconds: 5
  failureThreshold: {{ add 2 (div (int .root.Values.config.startupTimeoutSeconds) 5) }}
readinessProbe:
  grpc:
    port: {{ .port }}
  periodSeconds: 5
  failureThreshold: 2
livenessProbe:
  grpc:
    port: {{ .port }}
    service: liveness
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{/* SIGTERM → NOT_SERVING → shutdownDelay → drain; the process exits by itself
at drain + delay + 10 s, so the grace period leaves 5 s more. */}}
{{- define "salesfollow.terminationGracePeriod" -}}
{{ add (int .Values.config.drainTimeoutSeconds) (int .Values.config.shutdownDelaySeconds) 15 }}
{{- end -}}

{{/*
A gRPC service's Deployment.
(dict "root" $ "component" NAME "binary" EXE "values" .Values.x "contact" BOOL "args" LIST)
*/}}
{{- define "salesfollow.serviceDeployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "salesfollow.fullname" $root }}-{{ .component }}
  labels:
    {{- include "salesfollow.labels" . | nindent 4 }}
spec:
  {{- if not (and (hasKey $v "autoscaling") $v.autoscaling.enabled) }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "salesfollow.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      {{- include "salesfollow.podMetadata" . | nindent 6 }}
    spec:
      {{- include "salesfollow.podScheduling" . | trim | nindent 6 }}
      terminationGracePeriodSeconds: {{ include "salesfollow.terminationGracePeriod" $root }}
      enableServiceLinks: false
      containers:
        - name: {{ .component }}
          image: {{ include "salesfollow.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: [{{ .binary | quote }}]
          args:
            - --grpc-listen=0.0.0.0:{{ $v.grpcPort }}
            - --metrics-listen=0.0.0.0:{{ $v.metricsPort }}
            {{- range .args }}
            - {{ . | quote }}
            {{- end }}
            {{- range $v.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          {{- include "salesfollow.envFrom" $root | nindent 10 }}
          ports:
            - name: grpc
              containerPort: {{ $v.grpcPort }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $v.metricsPort }}
              protocol: TCP
          {{- include "salesfollow.probes" (dict "root" $root "port" $v.grpcPort) | nindent 10 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "salesfollow.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "salesfollow.secretVolume" (dict "root" $root "contact" .contact) | nindent 8 }}
{{- end -}}
