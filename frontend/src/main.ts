import { createApp } from 'vue'
import { createPinia } from 'pinia'
// Functions used from scripts (not templates) bring their own styles; templates' come per component.
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './styles.css'
import App from './App.vue'
import { router } from './router'

createApp(App).use(createPinia()).use(router).mount('#app')
