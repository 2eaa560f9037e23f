// `node --import ./module-recorder.mjs …`: appends every module URL the process resolves to the
// file named by OSMEN_TEST_MODULE_LOG (which modules a start-up path loads is a tested claim).
import { register } from 'node:module';

register(new URL('./module-recorder-hooks.mjs', import.meta.url));
