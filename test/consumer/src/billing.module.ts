import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { AgentModule, InjectAgent, type AgentHandle } from '@agentnest/agent/nest';

/** A feature module's own agent, injected where it is used; it runs as the caller the middleware set. */
@Controller('billing')
class BillingController {
  constructor(@InjectAgent('billing') private readonly billing: AgentHandle) {}

  @Post('questions')
  @HttpCode(200)
  async ask(@Body() body: { message: string }) {
    const result = await this.billing.run({ message: body.message });
    return result.status === 'completed' ? { reply: result.text, answeredBy: result.answeredBy } : { status: result.status };
  }
}

@Module({
  // No provider or model: the app's AgentModule gives them.
  imports: [AgentModule.forFeature({ agents: { billing: { description: 'Answers billing questions', system: 'You answer billing questions.' } } })],
  controllers: [BillingController],
})
export class BillingModule {}
