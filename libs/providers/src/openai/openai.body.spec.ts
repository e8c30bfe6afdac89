import { ProviderError } from '../errors/provider-error';
import { openAIChatBody } from './openai.body';

describe('openAIChatBody', () => {
  it('removes the streaming switches and passes the rest through', () => {
    const body = { model: 'gpt-4o', messages: [], temperature: 0.3, stream: true, stream_options: { include_usage: true } };
    expect(openAIChatBody(body)).toEqual({ model: 'gpt-4o', messages: [], temperature: 0.3 });
  });

  it('asks for the flex tier on a model whose catalog entry has one', () => {
    expect(openAIChatBody({ model: 'o4-mini', messages: [] }, 'flex')).toMatchObject({ service_tier: 'flex' });
  });

  it('refuses the flex tier on a model without one', () => {
    const call = (): unknown => openAIChatBody({ model: 'gpt-4o-mini', messages: [] }, 'flex');
    expect(call).toThrow(ProviderError);
    expect(call).toThrow(/no flex tier/);
  });
});
