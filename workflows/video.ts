import { ApplicationFailure, CancellationScope, proxyActivities } from '@temporalio/workflow';
import type * as files from '../activities/files';
import type { DownloadedVideo } from '../activities/files';
import type * as interactions from '../activities/interactions';
import { cancelJobOnCancellation } from './cancel-job-on-cancellation';
import { jobEnded } from './job-ended';
import { type GeminiResourceRef, listenForGeminiEvents, type ResolvedWait, type WaitOptions } from './wait-for-gemini-event';

export const defaultVideoModel = 'veo-3.1-generate-preview';

export interface VideoInput {
  prompt: string;
  /** A video model served through Interactions (SDK 3.1.0 refuses generateVideos with Gemini API keys). */
  model?: string;
  reconcileAfter?: WaitOptions['reconcileAfter'];
  reconcileMax?: WaitOptions['reconcileMax'];
}

export interface VideoResult extends DownloadedVideo {
  resolvedBy: ResolvedWait['resolvedBy'];
}

const { startBackgroundInteraction } = proxyActivities<typeof interactions>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});
const { cancelInteraction } = proxyActivities<typeof interactions>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10 },
});
const { downloadGeneratedVideo } = proxyActivities<typeof files>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/** Generates a video from a prompt, waits for `video.generated`, and saves the file on the worker. */
export async function generateVideo(input: VideoInput): Promise<VideoResult> {
  const events = listenForGeminiEvents();
  if (!input.prompt?.trim()) throw ApplicationFailure.nonRetryable('a video prompt is required', 'BadInput');

  const { interactionId } = await CancellationScope.nonCancellable(() =>
    startBackgroundInteraction({ model: input.model ?? defaultVideoModel, input: input.prompt }),
  );
  const generation: GeminiResourceRef = { kind: 'interaction', id: interactionId };
  events.track(generation);

  const { event, resolvedBy } = await cancelJobOnCancellation(
    () =>
      events.waitFor(generation, {
        until: ['video.generated'],
        reconcileAfter: input.reconcileAfter,
        reconcileMax: input.reconcileMax,
      }),
    () => cancelInteraction(interactionId),
  );
  if (event.type !== 'video.generated') throw jobEnded('video generation', event.type, event.data);

  // Sources name the file differently (output_file_uri, file_name, video_uri); any of them points at it.
  const file = [event.data.file_name, event.data.output_file_uri, event.data.video_uri].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  if (!file) throw ApplicationFailure.nonRetryable('video.generated named no file', 'GeminiNoVideoFile');
  const video = await downloadGeneratedVideo({ interactionId, file });
  return { ...video, resolvedBy };
}
