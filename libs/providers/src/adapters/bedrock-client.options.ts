// Kept apart from bedrock-client.ts: these public types must not pull the optional SDK's types in.

/** Static AWS credentials, for when the default credential chain is not what you want. */
export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Needed only with temporary credentials (STS, assumed roles). */
  sessionToken?: string;
}

/** How to reach Bedrock Runtime; shared by {@link bedrock} and {@link bedrockEmbedder}. */
export interface BedrockClientOptions {
  region: string;
  /** @default the AWS SDK's default credential chain */
  credentials?: BedrockCredentials;
  /** A VPC endpoint or a test fake; @default the regional Bedrock Runtime endpoint */
  endpoint?: string;
}
