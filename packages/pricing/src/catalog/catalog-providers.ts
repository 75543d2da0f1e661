import type { UsageStyle } from '../schema.js'

/** One real provider as the table names it, and the ids the catalogs give it. */
export interface CatalogProvider {
  id: string
  name: string
  /** API base URLs (provider detection by prefix). */
  apiBaseUrls: string[]
  /** Host patterns for per-account hosts; `*` is one DNS label or part of one. */
  apiHosts?: string[]
  usageStyle: UsageStyle
  pricingUrl?: string
  /** genai-prices provider ids mapped onto this provider. */
  genaiPrices?: string[]
  /** LiteLLM `litellm_provider` values mapped onto this provider. */
  litellm?: string[]
}

/**
 * One provider id per real provider across catalogs. Base URLs are the documented API roots (most
 * also appear as genai-prices' `api_pattern`); providers whose API host is per account (Azure,
 * Bedrock, Vertex) are matched by host pattern. A catalog id not listed here keeps its own id
 * (lower-cased, `_` as `-`) and has no base URL: it is priced when named explicitly, never guessed.
 */
export const CATALOG_PROVIDERS: readonly CatalogProvider[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    apiBaseUrls: ['https://api.openai.com/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://openai.com/api/pricing/',
    genaiPrices: ['openai'],
    litellm: ['openai', 'text-completion-openai'],
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    apiBaseUrls: ['https://api.anthropic.com'],
    usageStyle: 'anthropic',
    pricingUrl: 'https://www.anthropic.com/pricing#api',
    genaiPrices: ['anthropic'],
    litellm: ['anthropic'],
  },
  {
    id: 'google',
    name: 'Google Gemini API',
    apiBaseUrls: ['https://generativelanguage.googleapis.com'],
    usageStyle: 'gemini',
    pricingUrl: 'https://ai.google.dev/gemini-api/docs/pricing',
    genaiPrices: ['google'],
    litellm: ['gemini'],
  },
  {
    id: 'google-vertex',
    name: 'Google Vertex AI',
    apiBaseUrls: ['https://aiplatform.googleapis.com'],
    apiHosts: ['*-aiplatform.googleapis.com'],
    usageStyle: 'gemini',
    pricingUrl: 'https://cloud.google.com/vertex-ai/generative-ai/pricing',
    litellm: [
      'vertex_ai',
      'vertex_ai-language-models',
      'vertex_ai-anthropic_models',
      'vertex_ai-mistral_models',
      'vertex_ai-llama_models',
      'vertex_ai-ai21_models',
      'vertex_ai-qwen_models',
      'vertex_ai-deepseek_models',
      'vertex_ai-openai_models',
      'vertex_ai-zai_models',
      'vertex_ai-minimax_models',
      'vertex_ai-moonshot_models',
      'vertex_ai-embedding-models',
      'vertex_ai-text-models',
    ],
  },
  {
    id: 'aws-bedrock',
    name: 'Amazon Bedrock',
    apiBaseUrls: [],
    apiHosts: ['bedrock-runtime.*.amazonaws.com', 'bedrock-mantle.*.api.aws'],
    usageStyle: 'openai',
    pricingUrl: 'https://aws.amazon.com/bedrock/pricing/',
    genaiPrices: ['aws'],
    litellm: ['bedrock', 'bedrock_converse', 'bedrock_mantle', 'amazon_nova'],
  },
  {
    id: 'azure-openai',
    name: 'Azure OpenAI',
    apiBaseUrls: [],
    apiHosts: ['*.openai.azure.com', '*.cognitiveservices.azure.com'],
    usageStyle: 'openai',
    pricingUrl:
      'https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/',
    genaiPrices: ['azure'],
    litellm: ['azure', 'azure_text'],
  },
  {
    id: 'azure-ai',
    name: 'Azure AI Foundry models',
    apiBaseUrls: [],
    apiHosts: ['*.services.ai.azure.com', '*.models.ai.azure.com'],
    usageStyle: 'openai',
    litellm: ['azure_ai'],
  },
  {
    id: 'deepseek',
    name: 'DeepSeek',
    apiBaseUrls: ['https://api.deepseek.com'],
    usageStyle: 'deepseek',
    pricingUrl: 'https://api-docs.deepseek.com/quick_start/pricing',
    genaiPrices: ['deepseek'],
    litellm: ['deepseek'],
  },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    apiBaseUrls: ['https://openrouter.ai/api/v1'],
    usageStyle: 'openrouter',
    pricingUrl: 'https://openrouter.ai/models',
    genaiPrices: ['openrouter'],
    litellm: ['openrouter'],
  },
  {
    id: 'mistral',
    name: 'Mistral AI',
    apiBaseUrls: ['https://api.mistral.ai/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://mistral.ai/pricing#api-pricing',
    genaiPrices: ['mistral'],
    litellm: ['mistral', 'codestral', 'text-completion-codestral'],
  },
  {
    id: 'xai',
    name: 'xAI',
    apiBaseUrls: ['https://api.x.ai/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://docs.x.ai/docs/models',
    genaiPrices: ['x-ai'],
    litellm: ['xai'],
  },
  {
    id: 'groq',
    name: 'Groq',
    apiBaseUrls: ['https://api.groq.com/openai/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://groq.com/pricing/',
    genaiPrices: ['groq'],
    litellm: ['groq'],
  },
  {
    id: 'together',
    name: 'Together AI',
    apiBaseUrls: ['https://api.together.xyz/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://www.together.ai/pricing',
    genaiPrices: ['together'],
    litellm: ['together_ai'],
  },
  {
    id: 'fireworks',
    name: 'Fireworks AI',
    apiBaseUrls: ['https://api.fireworks.ai/inference/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://fireworks.ai/pricing',
    genaiPrices: ['fireworks'],
    litellm: ['fireworks_ai', 'fireworks_ai-embedding-models'],
  },
  {
    id: 'cohere',
    name: 'Cohere',
    apiBaseUrls: ['https://api.cohere.com', 'https://api.cohere.ai'],
    usageStyle: 'openai',
    pricingUrl: 'https://cohere.com/pricing',
    genaiPrices: ['cohere'],
    litellm: ['cohere', 'cohere_chat'],
  },
  {
    id: 'perplexity',
    name: 'Perplexity',
    apiBaseUrls: ['https://api.perplexity.ai'],
    usageStyle: 'openai',
    pricingUrl: 'https://docs.perplexity.ai/guides/pricing',
    genaiPrices: ['perplexity'],
    litellm: ['perplexity'],
  },
  {
    id: 'cerebras',
    name: 'Cerebras',
    apiBaseUrls: ['https://api.cerebras.ai/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://www.cerebras.ai/pricing',
    genaiPrices: ['cerebras'],
    litellm: ['cerebras'],
  },
  {
    id: 'deepinfra',
    name: 'DeepInfra',
    apiBaseUrls: ['https://api.deepinfra.com/v1/openai'],
    usageStyle: 'openai',
    pricingUrl: 'https://deepinfra.com/pricing',
    litellm: ['deepinfra'],
  },
  {
    id: 'novita',
    name: 'Novita AI',
    apiBaseUrls: ['https://api.novita.ai'],
    usageStyle: 'openai',
    pricingUrl: 'https://novita.ai/pricing',
    genaiPrices: ['novita'],
    litellm: ['novita'],
  },
  {
    id: 'moonshot',
    name: 'Moonshot AI',
    apiBaseUrls: ['https://api.moonshot.ai/v1', 'https://api.moonshot.cn/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://platform.moonshot.ai/docs/pricing/chat',
    genaiPrices: ['moonshotai'],
    litellm: ['moonshot'],
  },
  {
    id: 'zhipu',
    name: 'Zhipu AI / Z.ai',
    apiBaseUrls: ['https://open.bigmodel.cn/api/paas/v4', 'https://api.z.ai/api/paas/v4'],
    usageStyle: 'openai',
    pricingUrl: 'https://open.bigmodel.cn/pricing',
    genaiPrices: ['zhipuai'],
    litellm: ['zai'],
  },
  {
    id: 'minimax',
    name: 'MiniMax',
    apiBaseUrls: ['https://api.minimax.io', 'https://api.minimaxi.com'],
    usageStyle: 'openai',
    pricingUrl: 'https://platform.minimax.io/docs/guides/pricing-paygo',
    genaiPrices: ['minimax'],
    litellm: ['minimax'],
  },
  {
    id: 'alibaba',
    name: 'Alibaba Cloud Model Studio (DashScope)',
    apiBaseUrls: [
      'https://dashscope.aliyuncs.com/compatible-mode/v1',
      'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    ],
    usageStyle: 'openai',
    litellm: ['dashscope'],
  },
  {
    id: 'voyage',
    name: 'Voyage AI',
    apiBaseUrls: ['https://api.voyageai.com/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://docs.voyageai.com/docs/pricing',
    genaiPrices: ['voyageai'],
    litellm: ['voyage'],
  },
  {
    id: 'ovhcloud',
    name: 'OVHcloud AI Endpoints',
    apiBaseUrls: ['https://oai.endpoints.kepler.ai.cloud.ovh.net/v1'],
    usageStyle: 'openai',
    genaiPrices: ['ovhcloud'],
    litellm: ['ovhcloud'],
  },
  {
    id: 'avian',
    name: 'Avian',
    apiBaseUrls: ['https://api.avian.io/v1'],
    usageStyle: 'openai',
    pricingUrl: 'https://avian.io/pricing/',
    genaiPrices: ['avian'],
  },
  {
    id: 'doubleword',
    name: 'Doubleword',
    apiBaseUrls: ['https://api.doubleword.ai/v1'],
    usageStyle: 'openai',
    genaiPrices: ['doubleword'],
  },
  {
    id: 'sambanova',
    name: 'SambaNova Cloud',
    apiBaseUrls: ['https://api.sambanova.ai/v1'],
    usageStyle: 'openai',
    litellm: ['sambanova'],
  },
  {
    id: 'hyperbolic',
    name: 'Hyperbolic',
    apiBaseUrls: ['https://api.hyperbolic.xyz/v1'],
    usageStyle: 'openai',
    litellm: ['hyperbolic'],
  },
  {
    id: 'ai21',
    name: 'AI21 Labs',
    apiBaseUrls: ['https://api.ai21.com/studio/v1'],
    usageStyle: 'openai',
    litellm: ['ai21'],
  },
  {
    id: 'vercel-ai-gateway',
    name: 'Vercel AI Gateway',
    apiBaseUrls: ['https://ai-gateway.vercel.sh/v1'],
    usageStyle: 'openai',
    litellm: ['vercel_ai_gateway'],
  },
  {
    id: 'huggingface-cerebras',
    name: 'Hugging Face router: Cerebras',
    apiBaseUrls: ['https://router.huggingface.co/cerebras'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_cerebras'],
  },
  {
    id: 'huggingface-fireworks',
    name: 'Hugging Face router: Fireworks',
    apiBaseUrls: ['https://router.huggingface.co/fireworks-ai'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_fireworks-ai'],
  },
  {
    id: 'huggingface-groq',
    name: 'Hugging Face router: Groq',
    apiBaseUrls: ['https://router.huggingface.co/groq'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_groq'],
  },
  {
    id: 'huggingface-hyperbolic',
    name: 'Hugging Face router: Hyperbolic',
    apiBaseUrls: ['https://router.huggingface.co/hyperbolic'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_hyperbolic'],
  },
  {
    id: 'huggingface-nebius',
    name: 'Hugging Face router: Nebius',
    apiBaseUrls: ['https://router.huggingface.co/nebius'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_nebius'],
  },
  {
    id: 'huggingface-novita',
    name: 'Hugging Face router: Novita',
    apiBaseUrls: ['https://router.huggingface.co/novita'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_novita'],
  },
  {
    id: 'huggingface-nscale',
    name: 'Hugging Face router: Nscale',
    apiBaseUrls: ['https://router.huggingface.co/nscale'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_nscale'],
  },
  {
    id: 'huggingface-ovhcloud',
    name: 'Hugging Face router: OVHcloud',
    apiBaseUrls: ['https://router.huggingface.co/ovhcloud'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_ovhcloud'],
  },
  {
    id: 'huggingface-publicai',
    name: 'Hugging Face router: PublicAI',
    apiBaseUrls: ['https://router.huggingface.co/publicai'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_publicai'],
  },
  {
    id: 'huggingface-sambanova',
    name: 'Hugging Face router: SambaNova',
    apiBaseUrls: ['https://router.huggingface.co/sambanova'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_sambanova'],
  },
  {
    id: 'huggingface-together',
    name: 'Hugging Face router: Together',
    apiBaseUrls: ['https://router.huggingface.co/together'],
    usageStyle: 'openai',
    genaiPrices: ['huggingface_together'],
  },
]

const byGenai = new Map<string, CatalogProvider>()
const byLitellm = new Map<string, CatalogProvider>()
for (const provider of CATALOG_PROVIDERS) {
  for (const id of provider.genaiPrices ?? []) byGenai.set(id, provider)
  for (const id of provider.litellm ?? []) byLitellm.set(id, provider)
}

/** The table's provider for a catalog's provider id; an unmapped id keeps its own, normalised. */
export function catalogProvider(catalog: 'genai-prices' | 'litellm', id: string): CatalogProvider {
  const known = (catalog === 'genai-prices' ? byGenai : byLitellm).get(id)
  if (known) return known
  const own = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return { id: own, name: id, apiBaseUrls: [], usageStyle: 'openai' }
}

/** The table's provider by its own id (for OpenRouter's upstreams and lookups). */
export function catalogProviderById(id: string): CatalogProvider | undefined {
  return CATALOG_PROVIDERS.find((provider) => provider.id === id)
}
