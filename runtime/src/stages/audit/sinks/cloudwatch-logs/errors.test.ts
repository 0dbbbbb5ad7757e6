import { CloudWatchLogsServiceError, decodeServiceError, errorCode } from './errors';

describe('awsJson1_1 error decoding', () => {
  it.each([
    ['the body __type', undefined, { __type: 'ResourceNotFoundException', message: 'm' }, 'ResourceNotFoundException'],
    ['a namespaced __type', undefined, { __type: 'com.amazonaws.logs#InvalidSequenceTokenException' }, 'InvalidSequenceTokenException'],
    ['a __type with a trailing URI', undefined, { __type: 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/' }, 'ThrottlingException'],
    ['the body code before __type', undefined, { code: 'DataAlreadyAcceptedException', __type: 'Other' }, 'DataAlreadyAcceptedException'],
    ['the x-amzn-ErrorType header before the body', 'ExpiredTokenException:http://internal.amazon.com/', { __type: 'Other' }, 'ExpiredTokenException'],
    ['nothing', undefined, {}, undefined],
    ['no body', undefined, undefined, undefined],
  ])('takes the code from %s', (_what, header, body, expected) => {
    expect(errorCode(header, body as Record<string, unknown> | undefined)).toBe(expected);
  });

  it('builds a named error with the operation, status, request id, message and expected sequence token', () => {
    const err = decodeServiceError(
      'PutLogEvents',
      400,
      { 'x-amzn-requestid': 'req-1' },
      JSON.stringify({ __type: 'com.amazonaws.logs#InvalidSequenceTokenException', message: 'The given sequenceToken is invalid.', expectedSequenceToken: '4963' }),
    );
    expect(err).toBeInstanceOf(CloudWatchLogsServiceError);
    expect(err).toMatchObject({
      name: 'InvalidSequenceTokenException',
      code: 'InvalidSequenceTokenException',
      operation: 'PutLogEvents',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'req-1' },
      expectedSequenceToken: '4963',
    });
    expect(err.message).toBe('CloudWatch Logs PutLogEvents failed: InvalidSequenceTokenException (HTTP 400): The given sequenceToken is invalid.');
  });

  it.each([
    [502, '<html>Bad Gateway</html>', 'InternalFailure', 'server'],
    [503, '', 'InternalFailure', 'server'],
    [403, 'Forbidden', 'UnknownError', 'client'],
    [400, '[1,2]', 'UnknownError', 'client'],
  ])('an answer without a code (HTTP %i, body %j) is named %s', (status, body, name, fault) => {
    const err = decodeServiceError('CreateLogStream', status, {}, body);
    expect(err).toMatchObject({ name, $fault: fault, $metadata: { httpStatusCode: status } });
    expect(err.message).toBe(`CloudWatch Logs CreateLogStream failed: ${name} (HTTP ${status})`);
  });

  it('keeps the Message member (capitalized) and at most 300 characters of it', () => {
    const err = decodeServiceError('PutLogEvents', 400, { 'x-amzn-errortype': 'InvalidParameterException' }, JSON.stringify({ Message: 'x'.repeat(1_000) }));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(`CloudWatch Logs PutLogEvents failed: InvalidParameterException (HTTP 400): ${'x'.repeat(300)}`);
  });
});
