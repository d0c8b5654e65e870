// Kept apart from bedrock-client.ts: these public types must not pull the optional SDK's types in.

export interface BedrockCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface BedrockClientOptions {
  region: string;
  /** @default the AWS SDK's default credential chain */
  credentials?: BedrockCredentials;
  /** A VPC endpoint or a test fake; @default the regional Bedrock Runtime endpoint */
  endpoint?: string;
}
