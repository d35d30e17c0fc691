{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "spoolkv.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already contains the chart name. */}}
{{- define "spoolkv.fullname" -}}
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

{{/* Name of the management Service. */}}
{{- define "spoolkv.managementName" -}}
{{- printf "%s-management" (include "spoolkv.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{/* Name of the headless Service that gives every pod its DNS name. */}}
{{- define "spoolkv.headlessName" -}}
{{- printf "%s-headless" (include "spoolkv.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/* The pods' stable DNS names, host:port, one per replica (for ketama clients and twemproxy). */}}
{{- define "spoolkv.podAddresses" -}}
{{- $full := include "spoolkv.fullname" . -}}
{{- $headless := include "spoolkv.headlessName" . -}}
{{- range $i := until (int .Values.replicaCount) }}
{{ printf "%s-%d.%s.%s.svc.%s:%d" $full $i $headless $.Release.Namespace $.Values.clusterDomain (int64 $.Values.spoolkv.server.port) }}
{{- end }}
{{- end }}

{{/* Name of the optional twemproxy Deployment, Service and ConfigMap. */}}
{{- define "spoolkv.twemproxyName" -}}
{{- printf "%s-twemproxy" (include "spoolkv.fullname" . | trunc 53 | trimSuffix "-") }}
{{- end }}

{{/* twemproxy's selector: apart from the spoolkv pods' (which the spoolkv Services select). */}}
{{- define "spoolkv.twemproxySelectorLabels" -}}
app.kubernetes.io/name: {{ include "spoolkv.name" . }}-twemproxy
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "spoolkv.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels. */}}
{{- define "spoolkv.labels" -}}
helm.sh/chart: {{ include "spoolkv.chart" . }}
{{ include "spoolkv.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: spoolkv
{{- end }}

{{/* Selector labels (stable across upgrades). */}}
{{- define "spoolkv.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spoolkv.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "spoolkv.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "spoolkv.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Spring Duration (simple form, as values.schema.json allows: 10s, 500ms, 5m, or a bare number of
milliseconds) to whole seconds, rounded up.
*/}}
{{- define "spoolkv.durationSeconds" -}}
{{- $d := toString . -}}
{{- if not (regexMatch "^[0-9]+(ns|us|ms|s|m|h|d)?$" $d) -}}
{{- fail (printf "not a Spring duration in simple form: %q" $d) -}}
{{- end -}}
{{- $n := regexReplaceAll "^([0-9]+).*$" $d "${1}" | int64 -}}
{{- $u := regexReplaceAll "^[0-9]+" $d "" -}}
{{- if eq $u "ns" }}{{ div (add $n 999999999) 1000000000 }}
{{- else if eq $u "us" }}{{ div (add $n 999999) 1000000 }}
{{- else if or (eq $u "ms") (eq $u "") }}{{ div (add $n 999) 1000 }}
{{- else if eq $u "s" }}{{ $n }}
{{- else if eq $u "m" }}{{ mul $n 60 }}
{{- else if eq $u "h" }}{{ mul $n 3600 }}
{{- else }}{{ mul $n 86400 }}
{{- end -}}
{{- end }}

{{/* Spring DataSize (64MB, 256KB, 1024; binary units as Spring uses them) to bytes. */}}
{{- define "spoolkv.dataSizeBytes" -}}
{{- $s := toString . -}}
{{- if not (regexMatch "^[0-9]+(B|KB|MB|GB|TB)?$" $s) -}}
{{- fail (printf "not a Spring DataSize: %q" $s) -}}
{{- end -}}
{{- $n := regexReplaceAll "^([0-9]+).*$" $s "${1}" | int64 -}}
{{- $u := regexReplaceAll "^[0-9]+" $s "" -}}
{{- if or (eq $u "B") (eq $u "") }}{{ $n }}
{{- else if eq $u "KB" }}{{ mul $n 1024 }}
{{- else if eq $u "MB" }}{{ mul $n 1048576 }}
{{- else if eq $u "GB" }}{{ mul $n 1073741824 }}
{{- else }}{{ mul $n 1099511627776 }}
{{- end -}}
{{- end }}

{{/* Kubernetes memory quantity in Ki/Mi/Gi/Ti/K/M/G/T or plain bytes to bytes; empty when another form. */}}
{{- define "spoolkv.quantityBytes" -}}
{{- $q := toString . -}}
{{- if regexMatch "^[0-9]+(Ki|Mi|Gi|Ti|K|M|G|T)?$" $q -}}
{{- $n := regexReplaceAll "^([0-9]+).*$" $q "${1}" | int64 -}}
{{- $u := regexReplaceAll "^[0-9]+" $q "" -}}
{{- $f := dict "" 1 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "K" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 -}}
{{- mul $n (get $f $u) -}}
{{- end -}}
{{- end }}

{{/*
Pod terminationGracePeriodSeconds (it counts from the start of the preStop sleep): the explicit value, which
must exceed preStopSleepSeconds + spoolkv.server.shutdown-timeout, or ceil(shutdown-timeout) +
preStopSleepSeconds + terminationGraceMarginSeconds.
*/}}
{{- define "spoolkv.terminationGracePeriodSeconds" -}}
{{- $sleep := int64 .Values.preStopSleepSeconds -}}
{{- $shutdown := include "spoolkv.durationSeconds" .Values.spoolkv.server.shutdownTimeout | int64 -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds -}}
{{- add $shutdown $sleep (int64 .Values.terminationGraceMarginSeconds) -}}
{{- else -}}
{{- $explicit := int64 .Values.terminationGracePeriodSeconds -}}
{{- if le $explicit (add $shutdown $sleep) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds (%d) + spoolkv.server.shutdownTimeout (%s = %ds), or the kubelet kills spoolkv before its spools drain" $explicit $sleep (toString .Values.spoolkv.server.shutdownTimeout) $shutdown) -}}
{{- end -}}
{{- $explicit -}}
{{- end -}}
{{- end }}

{{/* -XX:MaxDirectMemorySize in bytes: explicit, or store max-memory (the values live in direct memory) + spool max-total-bytes + jvm.directMemoryOverhead. */}}
{{- define "spoolkv.maxDirectMemoryBytes" -}}
{{- if .Values.jvm.maxDirectMemorySize -}}
{{- include "spoolkv.dataSizeBytes" .Values.jvm.maxDirectMemorySize -}}
{{- else -}}
{{- add (include "spoolkv.dataSizeBytes" .Values.spoolkv.store.maxMemory | int64) (include "spoolkv.dataSizeBytes" .Values.spoolkv.spool.maxTotalBytes | int64) (include "spoolkv.dataSizeBytes" .Values.jvm.directMemoryOverhead | int64) -}}
{{- end -}}
{{- end }}

{{/* JVM flags derived from values. */}}
{{- define "spoolkv.jvmArgs" -}}
- {{ printf "-XX:MaxRAMPercentage=%.1f" (float64 .Values.jvm.maxRAMPercentage) | quote }}
{{- $direct := include "spoolkv.maxDirectMemoryBytes" . | int64 }}
{{- if eq (mod $direct 1048576) 0 }}
- {{ printf "-XX:MaxDirectMemorySize=%dm" (div $direct 1048576) | quote }}
{{- else }}
- {{ printf "-XX:MaxDirectMemorySize=%d" $direct | quote }}
{{- end }}
- "-XX:+ExitOnOutOfMemoryError"
- "-Djava.io.tmpdir=/tmp"
{{- range .Values.jvm.extraOpts }}
- {{ . | quote }}
{{- end }}
{{- end }}

{{/*
The SSL bundle of the memcached port: spoolkv.server.ssl.bundle, or "memcached" (the bundle the chart
defines from tls.secretName) when that is empty and a TLS Secret is given.
*/}}
{{- define "spoolkv.sslBundle" -}}
{{- if .Values.spoolkv.server.ssl.bundle -}}
{{- .Values.spoolkv.server.ssl.bundle -}}
{{- else if .Values.tls.secretName -}}
memcached
{{- end -}}
{{- end }}

{{/*
The credentials file: spoolkv.auth.credentialsFile, or the file mounted from auth.secretName.
*/}}
{{- define "spoolkv.credentialsFile" -}}
{{- if .Values.spoolkv.auth.credentialsFile -}}
{{- .Values.spoolkv.auth.credentialsFile -}}
{{- else if .Values.auth.secretName -}}
/etc/spoolkv-auth/credentials
{{- end -}}
{{- end }}

{{/*
Cross-value checks the schema cannot express. They mirror the server's own startup validators
(src/main/java/io/spoolkv/config) so a bad combination fails at install, not in a crash loop.
*/}}
{{- define "spoolkv.validate" -}}
{{- $s := .Values.spoolkv -}}
{{- $b := dict -}}
{{- range $k, $v := dict "maxMemory" $s.store.maxMemory "maxItemSize" $s.store.maxItemSize "high" $s.spool.highWaterBytes "low" $s.spool.lowWaterBytes "total" $s.spool.maxTotalBytes "drain" $s.spool.drainMaxBytes "chunk" $s.background.chunkBytes "writeHigh" $s.server.writeHighWaterBytes "writeLow" $s.server.writeLowWaterBytes "retrievalLine" $s.server.maxRetrievalLine -}}
{{- $_ := set $b $k (include "spoolkv.dataSizeBytes" $v | int64) -}}
{{- end -}}
{{- if or (le (get $b "maxItemSize") 0) (gt (get $b "maxItemSize") (get $b "maxMemory")) -}}
{{- fail "spoolkv.store.maxItemSize must be positive and not above spoolkv.store.maxMemory" -}}
{{- end -}}
{{- if ge (get $b "low") (get $b "high") -}}
{{- fail "spoolkv.spool.lowWaterBytes must be below spoolkv.spool.highWaterBytes" -}}
{{- end -}}
{{- if lt (get $b "total") (get $b "high") -}}
{{- fail "spoolkv.spool.maxTotalBytes must be at least spoolkv.spool.highWaterBytes" -}}
{{- end -}}
{{- if le (get $b "drain") 0 -}}
{{- fail "spoolkv.spool.drainMaxBytes must be positive" -}}
{{- end -}}
{{- if le (include "spoolkv.durationSeconds" $s.spool.stuckTimeout | int64) 0 -}}
{{- fail "spoolkv.spool.stuckTimeout must be positive" -}}
{{- end -}}
{{- if or (le (get $b "writeHigh") 0) (gt (get $b "writeHigh") 2147483647) -}}
{{- fail "spoolkv.server.writeHighWaterBytes must be positive and under 2GB" -}}
{{- end -}}
{{- if ge (get $b "writeLow") (get $b "writeHigh") -}}
{{- fail "spoolkv.server.writeLowWaterBytes must be below spoolkv.server.writeHighWaterBytes" -}}
{{- end -}}
{{- if or (lt (get $b "retrievalLine") 2048) (gt (get $b "retrievalLine") 536870912) -}}
{{- fail "spoolkv.server.maxRetrievalLine must be between 2KB and 512MB" -}}
{{- end -}}
{{- if or (lt (get $b "chunk") 256) (gt (get $b "chunk") 1048576) -}}
{{- fail "spoolkv.background.chunkBytes must be between 256B and 1MB" -}}
{{- end -}}
{{- if and $s.auth.enabled (not (include "spoolkv.credentialsFile" .)) -}}
{{- fail "spoolkv.auth.enabled needs the credentials: set auth.secretName (a Secret with the user:password file) or spoolkv.auth.credentialsFile" -}}
{{- end -}}
{{- if and (ne $s.server.ssl.clientAuth "none") (not (include "spoolkv.sslBundle" .)) -}}
{{- fail "spoolkv.server.ssl.clientAuth needs TLS: set tls.secretName or spoolkv.server.ssl.bundle" -}}
{{- end -}}
{{- if and .Values.twemproxy.enabled (or (include "spoolkv.sslBundle" .) $s.auth.enabled) -}}
{{- fail "twemproxy.enabled cannot be combined with TLS (tls.secretName, spoolkv.server.ssl.bundle) or spoolkv.auth.enabled: nutcracker speaks neither TLS nor memcached's text login, so every request through it would fail. Shard on the client instead (docs/kubernetes.md#scaling-out)" -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled (not (kindIs "invalid" .Values.podDisruptionBudget.maxUnavailable)) (has (toString .Values.podDisruptionBudget.maxUnavailable) (list "0" "0%")) -}}
{{- fail "podDisruptionBudget.maxUnavailable 0 lets no pod ever be evicted and node drains block: allow at least 1, or leave the PDB off" -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled (kindIs "invalid" .Values.podDisruptionBudget.maxUnavailable) (regexMatch "^[0-9]+$" (toString .Values.podDisruptionBudget.minAvailable)) (ge (int64 .Values.podDisruptionBudget.minAvailable) (int64 .Values.replicaCount)) -}}
{{- fail (printf "podDisruptionBudget.minAvailable (%d) must be below replicaCount (%d): otherwise no pod may ever be evicted and node drains block. Lower it, set podDisruptionBudget.maxUnavailable, or leave the PDB off" (int64 .Values.podDisruptionBudget.minAvailable) (int64 .Values.replicaCount)) -}}
{{- end -}}
{{- if le (include "spoolkv.durationSeconds" $s.server.ssl.handshakeTimeout | int64) 0 -}}
{{- fail "spoolkv.server.ssl.handshakeTimeout must be positive" -}}
{{- end -}}
{{- $mc := int64 $s.server.port -}}
{{- $http := int64 .Values.server.port -}}
{{- $mgmt := int64 .Values.management.server.port -}}
{{- if or (eq $mgmt $mc) (eq $mgmt $http) (eq $http $mc) -}}
{{- fail (printf "spoolkv.server.port (%d), server.port (%d) and management.server.port (%d) must all differ: the actuator's operator-only operations must not share the public ports" $mc $http $mgmt) -}}
{{- end -}}
{{- $limit := "" -}}
{{- if and .Values.resources .Values.resources.limits .Values.resources.limits.memory -}}
{{- $limit = include "spoolkv.quantityBytes" .Values.resources.limits.memory -}}
{{- end -}}
{{- if $limit -}}
{{- $heap := div (mul (int64 $limit) (int64 .Values.jvm.maxRAMPercentage)) 100 -}}
{{- $direct := include "spoolkv.maxDirectMemoryBytes" . | int64 -}}
{{- if gt (add $heap $direct) (int64 $limit) -}}
{{- fail (printf "heap (%d%% of resources.limits.memory = %d bytes) + MaxDirectMemorySize (%d bytes, which holds spoolkv.store.maxMemory) exceed resources.limits.memory (%d bytes): raise the limit or lower jvm.maxRAMPercentage / spoolkv.store.maxMemory / spoolkv.spool.maxTotalBytes" (int64 .Values.jvm.maxRAMPercentage) $heap $direct (int64 $limit)) -}}
{{- end -}}
{{- end -}}
{{- $directLimit := include "spoolkv.maxDirectMemoryBytes" . | int64 -}}
{{- if gt (add (get $b "maxMemory") (get $b "total")) $directLimit -}}
{{- fail (printf "spoolkv.store.maxMemory (%d bytes) + spoolkv.spool.maxTotalBytes (%d bytes) live in direct memory but jvm.maxDirectMemorySize is only %d bytes: spoolkv would refuse to start" (get $b "maxMemory") (get $b "total") $directLimit) -}}
{{- end -}}
{{- end }}
