/**
 * @module @tokenledger/proxy: `tokenledger proxy`, an OpenAI-compatible metering gateway for any
 * language. `/<upstream>/...` goes to a configured upstream; every call is recorded through the
 * meter (one implementation) and checked against budgets before it is sent.
 */
export { startProxy } from './start-proxy.js'
export type { RunningProxy, StartProxyOptions } from './start-proxy.js'
export { createProxyApp } from './proxy-app.js'
export type { NodeBindings, ProxyApp, ProxyAppOptions } from './proxy-app.js'
export { parseUpstreamFlag, resolveUpstreams, targetUrl } from './upstreams.js'
export type { Upstream } from './upstreams.js'
export { PROXY_ERRORS, proxyError } from './openai-error.js'
export type { ProxyErrorCode } from './openai-error.js'
export { TAGS_HEADER } from './request-tags.js'
export { TOKEN_HEADER } from './access.js'
